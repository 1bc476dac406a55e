package dev.berth.server.sessions;

import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Makes the host and the store agree when the server starts, whatever the previous server was
 * doing when it died: running sandboxes are re-adopted, vanished ones marked stopped, half-made
 * sessions removed, interrupted reclaims finished, and sandboxes or directories no session owns
 * removed. Says what it did in the log.
 */
final class Reconciler {
    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());

    private final Store store;
    private final SandboxDriver driver;
    private final SessionDirs dirs;
    private final SessionLifecycle lifecycle;

    Reconciler(Store store, SandboxDriver driver, SessionDirs dirs, SessionLifecycle lifecycle) {
        this.store = store;
        this.driver = driver;
        this.dirs = dirs;
        this.lifecycle = lifecycle;
    }

    /** What a start-up reconciliation did. */
    record Report(int adopted, int markedStopped, int halfCreatedRemoved, int reclaimsFinished, int orphansRemoved,
            int failed) {
        @Override
        public String toString() {
            return adopted + " running sessions re-adopted, " + markedStopped + " found gone and marked stopped, "
                    + halfCreatedRemoved + " half-created removed, " + reclaimsFinished + " interrupted reclaims finished, "
                    + orphansRemoved + " orphaned sandboxes or directories removed"
                    + (failed > 0 ? ", " + failed + " FAILED (see the warnings above; the next start tries again)" : "");
        }
    }

    /** What reconciling one session did. */
    private enum Outcome { ADOPTED, MARKED_STOPPED, HALF_CREATED_REMOVED, RECLAIM_FINISHED, UNCHANGED, FAILED }

    /**
     * Sessions are reconciled in parallel: re-adopting one is a round trip to its supervisor, and a
     * restart with many running sessions is downtime for all of them until the last is adopted.
     * Bounded, so that a host with thousands of sessions does not open thousands of sockets at once.
     */
    private static final int PARALLEL = 32;

    Report reconcile() {
        List<SessionRecord> sessions = store.sessions();
        Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
        Semaphore slots = new Semaphore(PARALLEL);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (SessionRecord s : sessions) {
                outcomes.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        return reconcile(s);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<Outcome> f : outcomes) {
                tally.merge(outcomeOf(f), 1, Integer::sum);
            }
        }
        int orphans = removeOrphans(sessions.stream()
                .filter(s -> s.state() != SessionState.CREATING)
                .collect(Collectors.toMap(SessionRecord::id, Function.identity())));
        Report report = new Report(tally.getOrDefault(Outcome.ADOPTED, 0), tally.getOrDefault(Outcome.MARKED_STOPPED, 0),
                tally.getOrDefault(Outcome.HALF_CREATED_REMOVED, 0), tally.getOrDefault(Outcome.RECLAIM_FINISHED, 0),
                orphans, tally.getOrDefault(Outcome.FAILED, 0));
        LOG.log(System.Logger.Level.INFO, "reconciled: {0}", report);
        return report;
    }

    private static Outcome outcomeOf(Future<Outcome> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.FAILED;
        } catch (ExecutionException e) {
            return Outcome.FAILED; // reconcile(s) catches its own failures; this is the unexpected rest
        }
    }

    private Outcome reconcile(SessionRecord s) {
        try {
            switch (s.state()) {
                case CREATING -> {
                    // the create never answered: its client saw an error, so the session must not exist
                    lifecycle.discard(s);
                    LOG.log(System.Logger.Level.INFO, "removed half-created session {0}", s.id());
                    return Outcome.HALF_CREATED_REMOVED;
                }
                case RUNNING -> {
                    // a server that died mid-fork may have left the workspace frozen
                    dirs.image(s.id()).thawIfFrozen();
                    Optional<Sandbox> sandbox = driver.adopt(dirs.spec(s));
                    if (sandbox.isPresent()) {
                        lifecycle.adopted(s, sandbox.get());
                        return Outcome.ADOPTED;
                    }
                    lifecycle.stop(s, "its sandbox was gone when the server started");
                    LOG.log(System.Logger.Level.INFO, "session {0} was no longer running: marked stopped", s.id());
                    return Outcome.MARKED_STOPPED;
                }
                case STOPPED -> {
                    // a resume cut short before its store write left the workspace mounted (and maybe
                    // a sandbox: the cgroup scan below finds one without a workspace file system too)
                    if (dirs.image(s.id()).mounted()) {
                        lifecycle.takeDown(s);
                    }
                    return Outcome.UNCHANGED;
                }
                case EXPIRED -> {
                    if (Files.exists(dirs.session(s.id()))) {
                        lifecycle.takeDown(s);
                        dirs.delete(s.id());
                        LOG.log(System.Logger.Level.INFO, "finished reclaiming the workspace of expired session {0}", s.id());
                        return Outcome.RECLAIM_FINISHED;
                    }
                    return Outcome.UNCHANGED;
                }
            }
            return Outcome.UNCHANGED;
        } catch (RuntimeException e) {
            // one session the host will not let go of must not keep the server (and every other session) down
            LOG.log(System.Logger.Level.WARNING, "cannot reconcile session " + s.id() + ": " + e.getMessage(), e);
            return Outcome.FAILED;
        }
    }

    /** Directories and sandboxes on the host that no stored session owns (a delete cut short, say). */
    private int removeOrphans(Map<String, SessionRecord> known) {
        Set<String> orphans = new HashSet<>();
        for (String id : dirs.ids()) {
            if (!known.containsKey(id)) {
                orphans.add(id);
            }
        }
        Set<String> onHost;
        try {
            onHost = driver.sandboxIds();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list the sandboxes on this host: " + e.getMessage());
            onHost = Set.of();
        }
        for (String id : onHost) {
            SessionRecord s = known.get(id);
            if (s == null || (s.state() != SessionState.RUNNING && !lifecycle.isUp(id))) {
                orphans.add(id);
            }
        }
        for (String id : orphans) {
            SandboxSpec spec = new SandboxSpec(id, dirs.session(id).resolve("state"), dirs.session(id).resolve("workspace"),
                    ServerConfig.DEFAULT_LIMITS); // limits do not matter to a clean-up
            driver.cleanUp(spec);
            if (!known.containsKey(id)) {
                try {
                    dirs.image(id).unmount();
                    dirs.delete(id);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove orphaned session directory {0}: {1}", id, e.getMessage());
                    continue;
                }
            }
            LOG.log(System.Logger.Level.INFO, "removed orphaned sandbox or directory {0}", id);
        }
        return orphans.size();
    }
}
