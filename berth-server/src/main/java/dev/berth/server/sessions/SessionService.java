package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.CommandSpec;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.store.CommandRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Session lifecycle (create, stop, resume, delete) and the commands run in sessions. State lives in
 * the {@link Store}; running sandboxes are found again after a server restart by the driver.
 */
public final class SessionService {
    private static final System.Logger LOG = System.getLogger(SessionService.class.getName());

    private final ServerConfig config;
    private final Store store;
    private final SandboxDriver driver;
    private final Clock clock;
    private final Map<String, Sandbox> running = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public SessionService(ServerConfig config, Store store, SandboxDriver driver, Clock clock) {
        this.config = config;
        this.store = store;
        this.driver = driver;
        this.clock = clock;
    }

    /** On start: re-adopt every sandbox the store says runs; mark the vanished ones stopped. */
    public void reconcile() {
        for (SessionRecord s : store.sessions()) {
            if (s.state() != SessionState.RUNNING) {
                continue;
            }
            Optional<Sandbox> sandbox = driver.adopt(spec(s));
            if (sandbox.isPresent()) {
                running.put(s.id(), sandbox.get());
                LOG.log(System.Logger.Level.INFO, "re-adopted running session {0}", s.id());
            } else {
                driver.cleanUp(spec(s));
                store.updateSession(s.withState(SessionState.STOPPED, s.lastActivityAt()));
                finishCommands(s);
                LOG.log(System.Logger.Level.INFO, "session {0} was no longer running: marked stopped", s.id());
            }
        }
    }

    public SessionInfo create(CreateSessionRequest request) {
        String id = request.id() == null ? SessionIds.newSessionId() : request.id();
        if (!SessionIds.valid(id)) {
            throw new ApiException(ErrorCode.INVALID_SESSION_ID,
                    "session id must match [a-z0-9][a-z0-9-]{0,62}: " + id);
        }
        Map<String, String> env = request.env() == null ? Map.of() : request.env();
        EnvCheck.validate(env);
        ResourceLimits limits = resolve(request.limits());
        Instant now = clock.instant();
        SessionRecord record = new SessionRecord(id, SessionState.STOPPED, driver.name(), now, now, limits, env);
        return withLock(id, () -> {
            if (!store.insertSession(record)) {
                throw new ApiException(ErrorCode.SESSION_EXISTS, "session " + id + " already exists");
            }
            try {
                return info(startSandbox(record));
            } catch (RuntimeException e) {
                store.deleteSession(id);
                deleteTree(sessionDir(id));
                throw e;
            }
        });
    }

    private ResourceLimits resolve(Limits requested) {
        ResourceLimits d = config.defaultLimits();
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

    public List<SessionInfo> list() {
        return store.sessions().stream().map(this::info).toList();
    }

    public SessionInfo get(String id) {
        return info(record(id));
    }

    public SessionInfo stop(String id) {
        return withLock(id, () -> {
            SessionRecord s = record(id);
            Sandbox sandbox = running.remove(id);
            if (sandbox != null) {
                sandbox.destroy();
            } else {
                driver.cleanUp(spec(s));
            }
            SessionRecord stopped = s.withState(SessionState.STOPPED, clock.instant());
            store.updateSession(stopped);
            finishCommands(stopped);
            return info(stopped);
        });
    }

    public void delete(String id) {
        withLock(id, () -> {
            SessionRecord s = record(id);
            Sandbox sandbox = running.remove(id);
            if (sandbox != null) {
                sandbox.destroy();
            }
            driver.cleanUp(spec(s));
            deleteTree(sessionDir(id));
            store.deleteSession(id);
            return null;
        });
        locks.remove(id);
    }

    /** Starts a command, resuming the session first if it is stopped. */
    public StartedCommand startCommand(String sessionId, CommandRequest request) {
        List<String> argv = CommandCheck.argv(request);
        String cwd = request.cwd() == null ? SandboxSpec.WORKSPACE_MOUNT : request.cwd();
        if (!cwd.startsWith("/")) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "cwd must be an absolute path inside the sandbox: " + cwd);
        }
        byte[] stdin = CommandCheck.stdin(request);
        Duration timeout = CommandCheck.timeout(request);
        Map<String, String> extraEnv = request.env() == null ? Map.of() : request.env();
        EnvCheck.validate(extraEnv);
        return withLock(sessionId, () -> {
            SessionRecord s = record(sessionId);
            Sandbox sandbox = ensureRunning(s);
            String cid = SessionIds.newCommandId();
            Instant now = clock.instant();
            CommandRecord record = new CommandRecord(cid, sessionId, argv, cwd, CommandState.RUNNING, now, null, 0);
            store.insertCommand(record);
            store.updateSession(s.withState(SessionState.RUNNING, now));
            try {
                RunningCommand rc = sandbox.spawn(new CommandSpec(cid, argv, EnvCheck.commandEnv(s, extraEnv), cwd, stdin,
                        timeout, config.outputRetainBytes()));
                return new StartedCommand(record, rc);
            } catch (SandboxException e) {
                store.updateCommand(record.finished(CommandState.LOST, null, 0));
                throw e;
            }
        });
    }

    /** A command record, refreshed from the sandbox if it was still running. */
    public CommandInfo command(String sessionId, String commandId) {
        SessionRecord s = record(sessionId);
        CommandRecord c = store.command(sessionId, commandId).orElseThrow(() -> new ApiException(
                ErrorCode.COMMAND_NOT_FOUND, "no command " + commandId + " in session " + sessionId));
        return commandInfo(s, refresh(s, c));
    }

    public List<CommandInfo> commands(String sessionId) {
        SessionRecord s = record(sessionId);
        return store.commands(sessionId).stream().map(c -> commandInfo(s, refresh(s, c))).toList();
    }

    /** The live or finished command, for reading its output. */
    public RunningCommand runningCommand(String sessionId, String commandId) {
        SessionRecord s = record(sessionId);
        store.command(sessionId, commandId).orElseThrow(() -> new ApiException(
                ErrorCode.COMMAND_NOT_FOUND, "no command " + commandId + " in session " + sessionId));
        try {
            return driver.command(spec(s), commandId);
        } catch (SandboxException e) {
            throw new ApiException(ErrorCode.COMMAND_NOT_FOUND, "the output of command " + commandId + " is gone");
        }
    }

    /** Records how a streamed command ended (the streaming handler saw it first). */
    public void recordExit(String sessionId, String commandId, CommandExit exit) {
        store.command(sessionId, commandId).ifPresent(c -> {
            if (c.state() == CommandState.RUNNING) {
                store.updateCommand(c.finished(CommandState.EXITED, toStatus(exit), exit.endOffset()));
            }
        });
        store.session(sessionId).ifPresent(s -> store.updateSession(s.withState(s.state(), clock.instant())));
    }

    public void signal(String sessionId, String commandId, int signal) {
        runningCommand(sessionId, commandId).signal(signal);
    }

    public static ExitStatus toStatus(CommandExit e) {
        return new ExitStatus(e.signal() != 0 ? null : e.code(), e.signal() != 0 ? e.signal() : null, e.timedOut(),
                e.durationMs());
    }

    private CommandRecord refresh(SessionRecord s, CommandRecord c) {
        if (c.state() != CommandState.RUNNING) {
            return c;
        }
        try {
            RunningCommand rc = driver.command(spec(s), c.id());
            Optional<CommandExit> exit = rc.exit();
            if (exit.isPresent()) {
                CommandRecord done = c.finished(CommandState.EXITED, toStatus(exit.get()), exit.get().endOffset());
                store.updateCommand(done);
                return done;
            }
            if (!running.containsKey(s.id())) {
                CommandRecord lost = c.finished(CommandState.LOST, null, rc.endOffset());
                store.updateCommand(lost);
                return lost;
            }
            return c;
        } catch (SandboxException e) {
            CommandRecord lost = c.finished(CommandState.LOST, null, c.endOffset());
            store.updateCommand(lost);
            return lost;
        }
    }

    private void finishCommands(SessionRecord s) {
        for (CommandRecord c : store.commands(s.id())) {
            refresh(s, c);
        }
    }

    private CommandInfo commandInfo(SessionRecord s, CommandRecord c) {
        long first = 0;
        long end = c.endOffset();
        try {
            RunningCommand rc = driver.command(spec(s), c.id());
            end = rc.endOffset();
            first = rc.firstRetainedOffset();
        } catch (SandboxException | UncheckedIOException e) {
            first = end; // output gone
        }
        return new CommandInfo(c.id(), c.sessionId(), c.argv(), c.cwd(), c.state(), c.startedAt(), c.exit(), first, end);
    }

    private Sandbox ensureRunning(SessionRecord s) {
        Sandbox sandbox = running.get(s.id());
        if (sandbox != null) {
            return sandbox;
        }
        startSandbox(s);
        return running.get(s.id());
    }

    private SessionRecord startSandbox(SessionRecord s) {
        driver.cleanUp(spec(s)); // whatever a crashed earlier run left behind
        Sandbox sandbox = driver.start(spec(s));
        running.put(s.id(), sandbox);
        SessionRecord started = s.withState(SessionState.RUNNING, clock.instant());
        store.updateSession(started);
        return started;
    }

    private SessionRecord record(String id) {
        if (!SessionIds.valid(id)) {
            throw new ApiException(ErrorCode.INVALID_SESSION_ID, "session id must match [a-z0-9][a-z0-9-]{0,62}");
        }
        return store.session(id).orElseThrow(() -> new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + id));
    }

    private SessionInfo info(SessionRecord s) {
        ResourceLimits l = s.limits();
        Limits limits = new Limits(l.memoryBytes(), l.cpuMillis() == 0 ? null : l.cpuMillis() / 1000.0, l.pids());
        return new SessionInfo(s.id(), s.state(), s.createdAt(), s.lastActivityAt(), limits, s.env(),
                SandboxSpec.WORKSPACE_MOUNT);
    }

    SandboxSpec spec(SessionRecord s) {
        Path dir = sessionDir(s.id());
        return new SandboxSpec(s.id(), dir.resolve("state"), dir.resolve("workspace"), s.limits());
    }

    private Path sessionDir(String id) {
        return config.dataDir().resolve("sessions").resolve(id);
    }

    private <T> T withLock(String id, java.util.function.Supplier<T> action) {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        // walk does not follow symbolic links: a link in a workspace never leads the delete outside it
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** A command that was just started, with its live handle. */
    public record StartedCommand(CommandRecord record, RunningCommand command) {}
}
