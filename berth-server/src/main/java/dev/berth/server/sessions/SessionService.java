package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.sandbox.workspace.SpareImages;
import dev.berth.sandbox.workspace.WorkspaceImage;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.lifecycle.Lifetime;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.store.RuntimeRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sessions as the API sees them: create, list, show, stop, delete, and resume for the commands run
 * in them ({@link CommandService}). State lives in the {@link Store}; sandboxes outlive the server
 * and are re-adopted on start ({@link Reconciler}); idle, inactive and too-old sessions are stopped
 * or reclaimed by the {@link Reaper}.
 */
public final class SessionService implements AutoCloseable {
    private static final long MAX_SECONDS = Duration.ofDays(3650).toSeconds();

    private final ServerConfig config;
    private final Store store;
    private final SandboxDriver driver;
    private final Clock clock;
    private final SessionDirs dirs;
    private final SessionChanges changes = new SessionChanges();
    private final Activity activity = new Activity(changes);
    private final CommandStates commandStates;
    private final SessionLifecycle lifecycle;
    private final Reaper reaper;
    private final Optional<String> quotaUnavailable;
    private final SpareImages spares;
    private final RuntimeService runtimes;
    private final SessionNetwork network;
    private final SessionForks forks;

    public SessionService(ServerConfig config, Store store, SandboxDriver driver, RuntimeService runtimes,
            SessionNetwork network, Clock clock) {
        this.config = config;
        this.network = network;
        this.runtimes = runtimes;
        this.store = store;
        this.driver = driver;
        this.clock = clock;
        this.dirs = new SessionDirs(config.dataDir().resolve("sessions"), (s, writable) -> runtimes.rootFor(
                runtimes.forSession(s).orElseThrow(() -> new ApiException(ErrorCode.RUNTIME_NOT_FOUND,
                        "session " + s.id() + " runs " + s.runtime() + ", which is no longer deployed")), writable),
                network);
        this.commandStates = new CommandStates(store, driver, dirs, activity);
        this.lifecycle = new SessionLifecycle(store, driver, dirs, commandStates, activity, changes, clock);
        this.reaper = new Reaper(store, lifecycle, commandStates, activity, config.lifecycle(), clock);
        this.quotaUnavailable = WorkspaceImage.unavailableReason();
        this.forks = new SessionForks(store, dirs, lifecycle);
        this.spares = new SpareImages(config.dataDir().resolve("images"), config.lifecycle().diskQuotaBytes(),
                quotaUnavailable.isEmpty() && config.lifecycle().diskQuotaBytes() > 0 ? 2 : 0);
    }

    /** On start: makes the store and the host agree (see {@link Reconciler}), then starts the reaper. */
    public String reconcile() {
        String report = new Reconciler(store, driver, dirs, lifecycle).reconcile().toString();
        reaper.start();
        spares.refill();
        return report;
    }

    /** Why sessions cannot have a disk quota here, if they cannot. */
    public Optional<String> diskQuotaUnavailable() {
        return quotaUnavailable;
    }

    /** Makes a session owned by {@code owner}; they must be allowed its runtime (checked by the caller). */
    public SessionInfo create(CreateSessionRequest request, String owner, String ownerRole) {
        String id = request.id() == null ? SessionIds.newSessionId() : request.id();
        checkId(id);
        SessionRecord record = newRecord(id, request.runtime() == null ? null : runtimes.resolve(request.runtime()),
                request.env() == null ? Map.of() : request.env(), resolve(request.limits(), config.defaultLimits()),
                diskQuota(request.limits()), lifetime(request, Lifetime.SERVER_DEFAULTS), egress(request.egress()),
                owner, ownerRole);
        return lifecycle.withLock(id, () -> {
            insert(record);
            try {
                if (record.diskQuotaBytes() > 0) {
                    spares.take(dirs.image(id), record.diskQuotaBytes());
                }
                SessionRecord started = lifecycle.start(record);
                reaper.reconsider(started);
                return info(started);
            } catch (IOException e) {
                lifecycle.discard(record);
                throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot make the workspace of " + id + ": " + e.getMessage());
            } catch (RuntimeException e) {
                lifecycle.discard(record);
                throw e;
            }
        });
    }

    /**
     * Makes new sessions owned by {@code owner} whose workspaces are copies of {@code sourceId}'s,
     * all taken at one instant (a running source is quiesced once for all of them and keeps
     * running). A copy's null fields are the source's: runtime, env, limits (a copy keeps the
     * source's disk quota), egress and lifetime settings (durations: a copy's maximum lifetime
     * counts from its own creation). A copy's runtime replaces the source's: the workspace is
     * copied, the root file system is the copy's runtime's. On any failure no copy remains. The
     * caller checks that {@code owner} may use the source and run the copies' runtimes.
     *
     * @param copies one request per copy, each naming its new id
     */
    public List<SessionInfo> fork(String sourceId, List<CreateSessionRequest> copies, String owner, String ownerRole) {
        SessionRecord source = live(sourceId);
        if (copies.isEmpty()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "name at least one copy to fork " + sourceId + " into");
        }
        List<SessionRecord> records = new java.util.ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (CreateSessionRequest c : copies) {
            if (c.id() == null) {
                throw new ApiException(ErrorCode.MISSING_FIELD, "every copy needs an \"id\"");
            }
            if (!ids.add(c.id()) || c.id().equals(sourceId)) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "copy id " + c.id() + " is named twice or is the source's");
            }
            checkId(c.id());
            records.add(inherited(source, c, owner, ownerRole));
        }
        List<String> locked = new java.util.ArrayList<>(ids);
        locked.add(sourceId);
        List<SessionRecord> started = lifecycle.withLocks(locked, () -> forks.fork(live(sourceId), records));
        started.forEach(reaper::reconsider);
        return started.stream().map(this::info).toList();
    }

    /** A copy's record: its own fields where it gives them, else the source's. */
    private SessionRecord inherited(SessionRecord source, CreateSessionRequest c, String owner, String ownerRole) {
        RuntimeRecord runtime = c.runtime() != null ? runtimes.resolve(c.runtime())
                : source.runtime() == null ? null : runtimes.resolve(source.runtime());
        // the source's own variables travel, not the defaults its runtime gave it (a PATH, say):
        // the copy's runtime gives its own
        Map<String, String> defaults = runtimes.forSession(source).map(r -> r.spec().env()).orElse(Map.of());
        Map<String, String> env = new java.util.LinkedHashMap<>(source.env());
        env.entrySet().removeIf(e -> e.getValue().equals(defaults.get(e.getKey())));
        if (c.env() != null) {
            env = c.env();
        }
        Long disk = c.limits() == null ? null : c.limits().diskBytes();
        if (disk != null && disk != source.diskQuotaBytes()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "a copy keeps its source's disk quota ("
                    + source.diskQuotaBytes() + " bytes): leave limits.diskBytes out");
        }
        return newRecord(c.id(), runtime, env, resolve(c.limits(), source.limits()), source.diskQuotaBytes(),
                lifetime(c, source.lifetime()), c.egress() == null ? source.egress() : egress(c.egress()), owner, ownerRole);
    }

    /** A new session's record, checked; the caller inserts it. */
    private SessionRecord newRecord(String id, RuntimeRecord runtime, Map<String, String> asked, ResourceLimits limits,
            long disk, Lifetime lifetime, EgressRules egress, String owner, String ownerRole) {
        checkId(id);
        EnvCheck.validate(asked);
        // a runtime's env (its image's PATH, say) is the session's base: commands exec'd in it see it too
        Map<String, String> env = new java.util.LinkedHashMap<>();
        if (runtime != null) {
            runtime.spec().env().forEach((k, v) -> {
                if (EnvCheck.validName(k)) {
                    env.put(k, v);
                }
            });
        }
        env.putAll(asked);
        Instant now = clock.instant();
        SessionRecord record = new SessionRecord(id, SessionState.CREATING, null, driver.name(), now, now, limits, env,
                lifetime, disk, runtime == null ? null : runtime.ref(), owner, List.of(), egress, ownerRole);
        network.check(record);
        return record;
    }

    private static void checkId(String id) {
        if (!SessionIds.valid(id)) {
            throw new ApiException(ErrorCode.INVALID_SESSION_ID,
                    "session id must match [a-z0-9][a-z0-9-]{0,62}: " + id);
        }
    }

    /** Stores a new session; call under its lock. */
    private void insert(SessionRecord record) {
        if (!store.insertSession(record)) {
            boolean expired = store.session(record.id()).map(s -> s.state() == SessionState.EXPIRED).orElse(false);
            throw new ApiException(ErrorCode.SESSION_EXISTS, "session " + record.id() + " already exists"
                    + (expired ? " (expired: delete it to reuse the id)" : ""));
        }
    }

    /** The request's lifetime settings, {@code base}'s where it gives none. */
    private static Lifetime lifetime(CreateSessionRequest r, Lifetime base) {
        return new Lifetime(
                r.idleTimeoutSeconds() == null ? base.idleTimeout() : seconds("idleTimeoutSeconds", r.idleTimeoutSeconds(), true),
                r.retentionSeconds() == null ? base.retention() : seconds("retentionSeconds", r.retentionSeconds(), false),
                r.maxLifetimeSeconds() == null ? base.maxLifetime() : seconds("maxLifetimeSeconds", r.maxLifetimeSeconds(), true));
    }

    private static EgressRules egress(dev.berth.api.model.Egress asked) {
        return asked == null ? EgressRules.NONE : new EgressRules(asked.domains(), asked.cidrs());
    }

    /** What the session's processes are told about its network (the gateway's address, placeholder keys). */
    Map<String, String> networkEnv(SessionRecord s) {
        return network.env(s);
    }

    /** The requested limits, {@code d}'s where it asks for none. */
    private ResourceLimits resolve(Limits requested, ResourceLimits d) {
        if (requested == null) {
            return d;
        }
        long memory = requested.memoryBytes() != null ? requested.memoryBytes() : d.memoryBytes();
        long cpu = requested.cpus() != null ? Math.round(requested.cpus() * 1000) : d.cpuMillis();
        int pids = requested.pids() != null ? requested.pids() : d.pids();
        if (memory < (4L << 20) || cpu < 0 || (requested.cpus() != null && cpu < 10) || pids < 8) {
            throw new ApiException(ErrorCode.INVALID_FIELD,
                    "limits out of range: memoryBytes >= 4 MiB, cpus >= 0.01, pids >= 8");
        }
        return new ResourceLimits(memory, cpu, pids);
    }

    private long diskQuota(Limits requested) {
        Long asked = requested == null ? null : requested.diskBytes();
        if (asked == null) {
            // the server's default, where this machine can enforce it (the health check says why not)
            return quotaUnavailable.isPresent() ? 0 : config.lifecycle().diskQuotaBytes();
        }
        if (asked != 0 && (asked < WorkspaceImage.MIN_BYTES || asked > (1L << 50))) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "limits.diskBytes must be 0 (no quota) or from 16 MiB to 1 PiB");
        }
        if (asked > 0 && quotaUnavailable.isPresent()) {
            throw new ApiException(ErrorCode.DISK_QUOTA_UNAVAILABLE,
                    "this server cannot enforce disk quotas: " + quotaUnavailable.get());
        }
        return asked;
    }

    private static Duration seconds(String field, Long value, boolean zeroAllowed) {
        if (value == null) {
            return null;
        }
        if (value < (zeroAllowed ? 0 : 1) || value > MAX_SECONDS) {
            throw new ApiException(ErrorCode.INVALID_FIELD, field + " must be " + (zeroAllowed ? "0" : "1")
                    + " to " + MAX_SECONDS + " seconds");
        }
        return Duration.ofSeconds(value);
    }

    /**
     * Makes an invocation's session run: the one of that id, resumed if stopped, which must run
     * this runtime; or a new one of it.
     */
    public void ensureRunning(String id, String runtimeName, String owner, String ownerRole) {
        Optional<SessionRecord> found = SessionIds.valid(id) ? store.session(id) : Optional.empty();
        if (found.isEmpty()) {
            try {
                create(new CreateSessionRequest(id, null, null, null, null, null, runtimeName), owner, ownerRole);
                return;
            } catch (ApiException e) {
                if (e.code() != ErrorCode.SESSION_EXISTS) {
                    throw e;
                }
                // created meanwhile by a concurrent invocation: use it as below
            }
        }
        lifecycle.withLock(id, () -> {
            SessionRecord s = live(id);
            if (s.runtime() == null || !RuntimeRecord.nameOf(s.runtime()).equals(runtimeName)) {
                throw new ApiException(ErrorCode.RUNTIME_MISMATCH, "session " + id + " runs "
                        + (s.runtime() == null ? "no runtime" : s.runtime()) + ", not " + runtimeName);
            }
            activity.touch(id, clock.instant());
            resumed(s);
            return null;
        });
    }

    /** Called with every start, adoption and end of a sandbox from now on. */
    public void watch(SessionWatcher watcher) {
        lifecycle.listen(watcher);
    }

    /**
     * A unix socket reaching TCP {@code port} inside the session's running sandbox; empty while the
     * session is not running.
     */
    public Optional<java.nio.file.Path> forwardPort(String id, int port) {
        return lifecycle.sandbox(id).map(s -> s.forwardPort(port));
    }

    public List<SessionInfo> list() {
        return store.sessions().stream().map(this::info).toList();
    }

    /** The sessions {@code visible} lets through. */
    public List<SessionInfo> list(java.util.function.Predicate<SessionRecord> visible) {
        return store.sessions().stream().filter(visible).map(this::info).toList();
    }

    /** The stored session if the id is valid and known; no error either way (for authorization). */
    public Optional<SessionRecord> find(String id) {
        return SessionIds.valid(id) ? store.session(id) : Optional.empty();
    }

    /**
     * Shares a session with more users and groups ({@code user:NAME}, {@code group:NAME}) and/or
     * stops sharing it with some.
     */
    public SessionInfo share(String id, List<String> add, List<String> remove) {
        return lifecycle.withLock(id, () -> {
            SessionRecord s = record(id);
            java.util.LinkedHashSet<String> shares = new java.util.LinkedHashSet<>(s.sharedWith());
            shares.addAll(add);
            shares.removeAll(remove);
            List<String> updated = List.copyOf(shares);
            store.updateSessionShares(id, updated);
            changes.changed(); // who may see it changed
            return info(s.withSharedWith(updated));
        });
    }

    public SessionInfo get(String id) {
        return info(record(id));
    }

    public SessionInfo stop(String id) {
        return lifecycle.withLock(id, () -> {
            SessionRecord s = live(id);
            activity.touch(id, clock.instant());
            SessionRecord stopped = lifecycle.stop(s, "stopped on request");
            reaper.reconsider(stopped);
            return info(stopped);
        });
    }

    public void delete(String id) {
        lifecycle.withLock(id, () -> {
            lifecycle.discard(record(id));
            return null;
        });
        lifecycle.forget(id);
    }

    /** What followers of the session list wait on. */
    public SessionChanges changes() {
        return changes;
    }

    /**
     * The session's workspace directory on the host (its {@code /mnt/workspace}), resumed first if
     * the session is stopped: a workspace with a disk quota is only mounted while its session runs.
     * Reading it is activity.
     */
    public java.nio.file.Path workspace(String id) {
        return lifecycle.withLock(id, () -> {
            SessionRecord s = live(id);
            activity.touch(id, clock.instant());
            resumed(s);
            return dirs.workspace(id);
        });
    }

    /** The session's sandbox, resumed if the session is stopped; call under the session's lock. */
    Sandbox resumed(SessionRecord s) {
        Optional<Sandbox> up = lifecycle.sandbox(s.id());
        if (up.isPresent()) {
            return up.get();
        }
        lifecycle.start(s);
        return lifecycle.sandbox(s.id()).orElseThrow();
    }

    /** The stored session, in any state. */
    SessionRecord record(String id) {
        if (!SessionIds.valid(id)) {
            throw new ApiException(ErrorCode.INVALID_SESSION_ID, "session id must match [a-z0-9][a-z0-9-]{0,62}");
        }
        return store.session(id).orElseThrow(() -> new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + id));
    }

    /** The stored session, which must not have expired. */
    SessionRecord live(String id) {
        SessionRecord s = record(id);
        if (s.state() == SessionState.EXPIRED) {
            throw new ApiException(ErrorCode.SESSION_EXPIRED, "session " + id + " has expired (" + s.stateReason()
                    + "): its workspace was reclaimed; delete it to reuse the id");
        }
        return s;
    }

    SessionLifecycle lifecycle() {
        return lifecycle;
    }

    CommandStates commandStates() {
        return commandStates;
    }

    /** Where the server's own session stops and expiries are recorded. */
    public void audit(dev.berth.server.audit.AuditSink sink) {
        reaper.audit(sink);
    }

    /** Tells {@code listener} of every command end the server learns of from now on. */
    public void onCommandEnd(CommandEnds listener) {
        commandStates.onEnd(listener);
    }

    SandboxSpec spec(SessionRecord s) {
        return dirs.spec(s);
    }

    /** Records activity in the session now (a command, an output read, a signal). */
    public void touch(String id) {
        activity.touch(id, clock.instant());
    }

    /** The session's idle countdown may have started (a command ended): the reaper may need to look sooner. */
    void deadlinesChanged(String id) {
        store.session(id).ifPresent(reaper::reconsider);
    }

    private SessionInfo info(SessionRecord s) {
        ResourceLimits l = s.limits();
        Limits limits = new Limits(l.memoryBytes(), l.cpuMillis() == 0 ? null : l.cpuMillis() / 1000.0, l.pids(),
                s.diskQuotaBytes());
        Lifetime life = config.lifecycle().resolve(s.lifetime());
        Instant last = activity.last(s);
        boolean running = s.state() == SessionState.RUNNING;
        Instant idleStopAt = running ? life.idleStopAt(last).orElse(null) : null;
        Instant reclaimAt = s.state() == SessionState.EXPIRED ? null
                // a running session that is never idle-stopped is only reclaimed at its end of life
                : running && life.idleTimeout().isZero() ? life.endsAt(s.createdAt()).orElse(null)
                : life.reclaimAt(s.createdAt(), last);
        Long used = running && s.diskQuotaBytes() > 0 ? boxed(dirs.image(s.id()).usedBytes()) : null;
        Long memory = running ? lifecycle.sandbox(s.id()).map(Sandbox::memoryUsageBytes).orElse(null) : null;
        return new SessionInfo(s.id(), s.state(), s.stateReason(), s.createdAt(), last, limits, s.env(),
                SandboxSpec.WORKSPACE_MOUNT, positiveSeconds(life.idleTimeout()), life.retention().toSeconds(),
                positiveSeconds(life.maxLifetime()), idleStopAt, reclaimAt, used, memory, s.runtime(),
                s.runtime() == null ? null : lifecycle.listener().agent(s), s.owner(), s.sharedWith(), egressOf(s));
    }

    /** Where the session's sandbox may connect: the server's, its runtime's and its own rules together. */
    private dev.berth.api.model.Egress egressOf(SessionRecord s) {
        EgressRules r = network.egress(s);
        return new dev.berth.api.model.Egress(r.domains(), r.cidrs());
    }

    private static Long positiveSeconds(Duration d) {
        return d.isZero() ? null : d.toSeconds();
    }

    private static Long boxed(java.util.OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    /** Stops the reaper (saving activity) and background work; sessions keep running. */
    @Override
    public void close() {
        reaper.close();
        spares.close();
    }
}
