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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    Report reconcile() {
        int adopted = 0;
        int stopped = 0;
        int halfCreated = 0;
        int reclaims = 0;
        int failed = 0;
        List<SessionRecord> sessions = store.sessions();
        for (SessionRecord s : sessions) {
            try {
                switch (s.state()) {
                    case CREATING -> {
                        // the create never answered: its client saw an error, so the session must not exist
                        lifecycle.discard(s);
                        halfCreated++;
                        LOG.log(System.Logger.Level.INFO, "removed half-created session {0}", s.id());
                    }
                    case RUNNING -> {
                        Optional<Sandbox> sandbox = driver.adopt(dirs.spec(s));
                        if (sandbox.isPresent()) {
                            lifecycle.adopted(s.id(), sandbox.get());
                            adopted++;
                        } else {
                            lifecycle.stop(s, "its sandbox was gone when the server started");
                            stopped++;
                            LOG.log(System.Logger.Level.INFO, "session {0} was no longer running: marked stopped", s.id());
                        }
                    }
                    case STOPPED -> {
                        // a resume cut short before its store write left the workspace mounted (and maybe
                        // a sandbox: the cgroup scan below finds one without a workspace file system too)
                        if (dirs.image(s.id()).mounted()) {
                            lifecycle.takeDown(s);
                        }
                    }
                    case EXPIRED -> {
                        if (Files.exists(dirs.session(s.id()))) {
                            lifecycle.takeDown(s);
                            dirs.delete(s.id());
                            reclaims++;
                            LOG.log(System.Logger.Level.INFO, "finished reclaiming the workspace of expired session {0}", s.id());
                        }
                    }
                }
            } catch (RuntimeException e) {
                // one session the host will not let go of must not keep the server (and every other session) down
                failed++;
                LOG.log(System.Logger.Level.WARNING, "cannot reconcile session " + s.id() + ": " + e.getMessage(), e);
            }
        }
        int orphans = removeOrphans(sessions.stream()
                .filter(s -> s.state() != SessionState.CREATING)
                .collect(Collectors.toMap(SessionRecord::id, Function.identity())));
        Report report = new Report(adopted, stopped, halfCreated, reclaims, orphans, failed);
        LOG.log(System.Logger.Level.INFO, "reconciled: {0}", report);
        return report;
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
