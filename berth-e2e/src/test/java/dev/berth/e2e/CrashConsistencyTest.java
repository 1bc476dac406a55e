package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL at random points of a burst of creates, commands, stops, resumes
 * and deletes, restarts it on the same data directory, and checks that the store (what the API
 * lists) and the host (shims, mounts, cgroups, session directories) agree. The seed is printed;
 * {@code -Dberth.crash.seed=N} replays a run's choices (the kill moments depend on timing too), and
 * {@code -Dberth.crash.rounds=N} changes the number of kills.
 */
@Timeout(600)
class CrashConsistencyTest {
    private static final int ROUNDS = Integer.getInteger("berth.crash.rounds", 8);
    /** Most sessions at once: a burst that would make more deletes one instead. */
    private static final int MAX_SESSIONS = 8;

    @TempDir
    Path data;

    Cli cli;
    ServerProcess server;

    @AfterEach
    void removeSessions() {
        Host.tearDown(cli, data, server);
    }

    @Test
    void killsDuringCreateExecStopAndDeleteLeaveStoreAndHostInAgreement() throws Exception {
        long seed = Long.getLong("berth.crash.seed", new SecureRandom().nextLong());
        System.out.println("CrashConsistencyTest: seed " + seed + " (replay with -Dberth.crash.seed=" + seed + "), "
                + ROUNDS + " rounds, data " + data);
        Random random = new Random(seed);
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data);
        Map<String, Object> health = server.client().health();
        assumeTrue(Boolean.TRUE.equals(health.get("driverAvailable")), () -> "sandboxes unavailable: " + health.get("driverProblem"));
        boolean quotas = Boolean.TRUE.equals(health.get("diskQuotas"));

        List<String> problems = new ArrayList<>();
        List<String> known = List.of();
        for (int round = 1; round <= ROUNDS; round++) {
            Burst burst = new Burst(server.client(), new Random(random.nextLong()), round, known);
            long delay = random.nextInt(401);
            Thread client = Thread.ofPlatform().name("burst-" + round).start(burst);
            burst.ended.await(delay, TimeUnit.MILLISECONDS); // a burst only ends early if it fails
            burst.killed = true;
            String inFlight = burst.current;
            server.kill9();
            client.join(Duration.ofSeconds(60));
            if (client.isAlive()) {
                problems.add("round " + round + ": the client was still waiting 60 s after the kill, in " + burst.current);
                client.interrupt();
            }

            server = ServerProcess.start(cli, data);
            BerthClient api = server.client();
            List<SessionInfo> sessions = api.listSessions();
            List<String> disagreements = disagreements(api, sessions, quotas);
            String prefix = "round " + round + " (killed during " + inFlight + "): ";
            problems.addAll(burst.problems.stream().map(p -> prefix + p).toList());
            problems.addAll(disagreements.stream().map(p -> prefix + p).toList());
            System.out.printf("round %d: killed %d ms in, during %s, having finished %s%n    now %s%n    %s%n    %s%n", round, delay,
                    inFlight, burst.done, states(sessions), lastReconcile(),
                    burst.problems.isEmpty() && disagreements.isEmpty() ? "agreement"
                            : "PROBLEMS: " + String.join("; ", burst.problems) + " " + String.join("; ", disagreements));
            known = sessions.stream().filter(s -> s.state() != SessionState.EXPIRED).map(SessionInfo::id).toList();
        }

        BerthClient api = server.client();
        for (SessionInfo s : api.listSessions()) {
            api.deleteSession(s.id());
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> Host.shims(data).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            problems.add("after deleting every session: shims still alive " + Host.shims(data));
        }
        if (!Host.mounts(data).isEmpty()) {
            problems.add("after deleting every session: still mounted " + Host.mounts(data));
        }
        if (!Host.sandboxCgroups(data).isEmpty()) {
            problems.add("after deleting every session: cgroups left " + Host.sandboxCgroups(data));
        }
        if (!Host.sessionDirs(data).isEmpty()) {
            problems.add("after deleting every session: directories left " + Host.sessionDirs(data));
        }
        assertThat(problems).as("seed %d; server log %s", seed, server.log).isEmpty();
    }

    /** Where the store (the listed sessions) and the host disagree; empty when they agree. */
    private List<String> disagreements(BerthClient api, List<SessionInfo> sessions, boolean quotas) {
        List<String> found = new ArrayList<>();
        Map<String, SessionState> state = new TreeMap<>();
        sessions.forEach(s -> state.put(s.id(), s.state()));
        Set<String> running = ids(sessions, s -> s.state() == SessionState.RUNNING);

        ids(sessions, s -> s.state() == SessionState.CREATING)
                .forEach(id -> found.add("session " + id + " is listed as creating after the restart"));
        for (String id : running) {
            long pid = Host.shimPid(data, id);
            if (!Host.isShim(pid)) {
                found.add("running session " + id + " has no live shim (state/shim.pid: " + pid + ")");
                continue;
            }
            String answer = runTrue(api, id);
            if (answer != null) {
                found.add("running session " + id + " does not run `true`: " + answer);
            }
        }
        Host.shims(data).forEach((pid, id) -> {
            if (!running.contains(id)) {
                found.add("shim process " + pid + " of session " + id + " is alive, but the session is "
                        + (state.containsKey(id) ? state.get(id).wire() : "not listed"));
            }
        });
        Set<String> dirs = Host.sessionDirs(data);
        for (String dir : dirs) {
            if (!state.containsKey(dir)) {
                found.add("directory sessions/" + dir + " belongs to no listed session");
            }
        }
        state.forEach((id, s) -> {
            if (s != SessionState.EXPIRED && !dirs.contains(id)) {
                found.add(s.wire() + " session " + id + " has no directory");
            }
        });
        for (Path group : Host.sandboxCgroups(data)) {
            String id = group.getFileName().toString();
            if (!running.contains(id)) {
                found.add("cgroup " + group + " is left, but session " + id + " is "
                        + (state.containsKey(id) ? state.get(id).wire() : "not listed"));
            }
        }
        Set<String> mounted = Host.mountedWorkspaces(data);
        Set<String> shouldBeMounted = quotas ? running : Set.of();
        for (String id : mounted) {
            if (!shouldBeMounted.contains(id)) {
                found.add("the workspace of " + id + " is mounted, but the session is "
                        + (state.containsKey(id) ? state.get(id).wire() : "not listed"));
            }
        }
        for (String id : shouldBeMounted) {
            if (!mounted.contains(id)) {
                found.add("running session " + id + " has no workspace mounted");
            }
        }
        for (Path m : Host.mounts(data)) {
            if (!m.getFileName().toString().equals("workspace") || !mounted.contains(m.getParent().getFileName().toString())) {
                found.add("unexpected mount " + m);
            }
        }
        return found;
    }

    /** Runs {@code true} in the session; null when it exits 0, else what happened. */
    private static String runTrue(BerthClient api, String id) {
        try (InputStream in = api.runCommand(id, CommandRequest.argv(List.of("true")))) {
            FrameCodec.Reader frames = new FrameCodec.Reader(in);
            for (StreamFrame f = frames.next(); f != null; f = frames.next()) {
                if (f instanceof StreamFrame.Exit x) {
                    return x.status().shellStatus() == 0 ? null : "exit status " + x.status().shellStatus();
                }
            }
            return "the output stream ended without an exit";
        } catch (ApiException e) {
            return e.getMessage();
        } catch (IOException | UncheckedIOException e) {
            return e.toString();
        }
    }

    private static Set<String> ids(List<SessionInfo> sessions, java.util.function.Predicate<SessionInfo> filter) {
        return sessions.stream().filter(filter).map(SessionInfo::id).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String states(List<SessionInfo> sessions) {
        if (sessions.isEmpty()) {
            return "no sessions";
        }
        return sessions.stream().collect(Collectors.groupingBy(s -> s.state().wire(), TreeMap::new,
                Collectors.mapping(SessionInfo::id, Collectors.joining(" ")))).toString();
    }

    /** The last reconciliation report in the server log. */
    private String lastReconcile() throws IOException {
        String last = "(no reconcile report in the log)";
        for (String line : Files.readAllLines(data.resolve("serve.log"))) {
            int at = line.indexOf("reconciled: ");
            if (at >= 0) {
                last = line.substring(at);
            }
        }
        return last;
    }

    /**
     * The client side of a round: operations back to back, chosen by its own random, until the
     * server dies under it. What a live server answered unexpectedly is a problem; a failure
     * after the kill is the point.
     */
    private static final class Burst implements Runnable {
        private final BerthClient api;
        private final Random random;
        private final int round;
        private final List<String> sessions;
        final CountDownLatch ended = new CountDownLatch(1);
        final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, Integer> done = new java.util.concurrent.ConcurrentSkipListMap<>();
        volatile boolean killed;
        volatile String current = "nothing (the burst had not started)";
        private int fresh;

        Burst(BerthClient api, Random random, int round, List<String> sessions) {
            this.api = api;
            this.random = random;
            this.round = round;
            this.sessions = new ArrayList<>(sessions);
        }

        @Override
        public void run() {
            try {
                while (!killed) {
                    step();
                }
            } catch (UncheckedIOException e) {
                if (!killed) {
                    problems.add(current + " failed while the server was alive: " + e.getCause());
                }
            } catch (RuntimeException | IOException e) {
                if (!killed) {
                    problems.add(current + " failed while the server was alive: " + e);
                }
            } finally {
                ended.countDown();
            }
        }

        private void step() throws IOException {
            int roll = random.nextInt(100);
            if (sessions.isEmpty() || (roll < 30 && sessions.size() < MAX_SESSIONS)) {
                String id = "r" + round + "-" + (++fresh);
                attempt("create " + id, () -> {
                    api.createSession(CreateSessionRequest.of(id, null, null));
                    sessions.add(id);
                });
                return;
            }
            String id = sessions.get(random.nextInt(sessions.size()));
            if (roll < 60) {
                attempt("exec in " + id, () -> exec(id));  // resumes the session if it is stopped
            } else if (roll < 75) {
                attempt("stop " + id, () -> api.stopSession(id));
            } else if (roll < 90) {
                attempt("delete " + id, () -> {
                    api.deleteSession(id);
                    sessions.remove(id);
                });
            } else {
                // still running when the server is killed: the next server re-adopts it with its session
                attempt("detached command in " + id,
                        () -> api.startCommand(id, CommandRequest.shell("sleep 1; echo late")));
            }
        }

        private void exec(String id) throws IOException {
            String word = "w" + random.nextInt(1000);
            StringBuilder out = new StringBuilder();
            try (InputStream in = api.runCommand(id, CommandRequest.shell("echo " + word))) {
                FrameCodec.Reader frames = new FrameCodec.Reader(in);
                for (StreamFrame f = frames.next(); f != null; f = frames.next()) {
                    switch (f) {
                        case StreamFrame.Output o -> out.append(new String(o.data(), java.nio.charset.StandardCharsets.UTF_8));
                        case StreamFrame.Exit x -> {
                            if (x.status().shellStatus() != 0 || !out.toString().equals(word + "\n")) {
                                problems.add("exec in " + id + " printed '" + out + "' and exited " + x.status().shellStatus());
                            }
                            return;
                        }
                        default -> { }
                    }
                }
            }
            if (!killed) {
                problems.add("exec in " + id + ": the stream ended without an exit while the server was alive");
            }
        }

        private interface Action {
            void run() throws IOException;
        }

        private void attempt(String what, Action action) throws IOException {
            current = what;
            try {
                action.run();
                done.merge(what.split(" ")[0], 1, Integer::sum);
            } catch (ApiException e) {
                if (!killed) {
                    problems.add(what + " answered " + e.code().code() + ": " + e.getMessage());
                }
                done.merge(what.split(" ")[0] + "-failed", 1, Integer::sum);
            }
        }
    }
}
