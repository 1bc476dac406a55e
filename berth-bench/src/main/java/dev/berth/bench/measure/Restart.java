package dev.berth.bench.measure;

import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.bench.CommandStream;
import dev.berth.bench.H2Api;
import dev.berth.bench.Report;
import dev.berth.bench.ServerProcess;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Server restart → every session re-adopted and serving. A private server (its own data
 * directory) gets N sessions, each with a detached long-running command (an agent task in flight);
 * then it is killed (SIGKILL, or SIGTERM as {@code berth down} does) and started again, and the
 * clock runs from spawning the new {@code ./berth serve} until every session's client has
 * re-attached to its task's output and read it again from byte 0 (all N at once over one h2c
 * connection), which is what clients do after a restart. The same restart with no sessions is the
 * floor. Right after, a new command in every session at once shows how the cold server copes.
 */
public final class Restart implements Measurement {
    private static final double TARGET_MS = 1000;

    private final Path repo;
    private final int sessionCount;
    private final int runs;

    public Restart(Path repo, int sessionCount, int runs) {
        this.repo = repo;
        this.sessionCount = sessionCount;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "restart";
    }

    @Override
    public void run(Report report) throws Exception {
        Path data = Files.createTempDirectory("berth-bench-restart");
        ServerProcess server = new ServerProcess(repo, data);
        Map<String, Series> series = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        Map<String, String> tasks = new LinkedHashMap<>();
        try {
            server.start();
            for (boolean graceful : new boolean[] {false, true}) {
                series.put(label(0, graceful), restarts(server, Map.of(), graceful));
            }
            try (H2Api api = new H2Api(server.uri(), server.token())) {
                for (int i = 0; i < sessionCount; i++) {
                    String id = "restart-" + i;
                    api.createSession(id);
                    ids.add(id);
                    tasks.put(id, api.detach(id, "echo started; exec sleep 86400"));
                }
            }
            for (boolean graceful : new boolean[] {false, true}) {
                series.put(label(sessionCount, graceful), restarts(server, tasks, graceful));
            }
            try (H2Api api = new H2Api(server.uri(), server.token())) {
                for (var task : tasks.entrySet()) {
                    CommandState state = api.command(task.getKey(), task.getValue()).state();
                    if (state != CommandState.RUNNING) {
                        throw new IOException("the task of session " + task.getKey() + " is " + state + " after "
                                + (2 * runs) + " restarts, expected running");
                    }
                }
                for (String id : ids) {
                    api.deleteSession(id);
                }
                ids.clear();
            }
        } finally {
            cleanUp(server, ids);
        }

        List<List<String>> rows = new ArrayList<>();
        series.forEach((label, s) -> {
            rows.add(Report.latencyRow(label, Stats.ofNanosAsMillis(s.serving)));
            rows.add(Report.latencyRow("  of which spawn → listening (store, reconcile, Jetty)", Stats.ofNanosAsMillis(s.listening)));
            if (s.newCommands.length > 0) {
                rows.add(Report.latencyRow("  (not in the figure) then `true` in every session at once",
                        Stats.ofNanosAsMillis(s.newCommands)));
            }
        });
        Stats withSessions = Stats.ofNanosAsMillis(series.get(label(sessionCount, false)).serving);
        Stats floor = Stats.ofNanosAsMillis(series.get(label(0, false)).serving);
        List<String> phases = new ArrayList<>();
        series.forEach((label, s) -> phases.add(label + ", last start: " + s.phases));
        phases.add(sessionCount + " sessions add " + Report.ms(withSessions.p50() - floor.p50())
                + " ms (p50, kill -9) to the restart of an empty server");
        phases.add("target ≤ " + Report.ms(TARGET_MS) + " ms for 100 sessions after kill -9: **"
                + (sessionCount >= 100 && withSessions.p50() <= TARGET_MS ? "met" : "missed") + "** (p50 "
                + Report.ms(withSessions.p50()) + " ms with " + sessionCount + " sessions)");
        report.heading(2, "7. Server restart → all sessions re-adopted and serving")
                .paragraph(runs + " restarts of each kind, after one unmeasured start. Each of the " + sessionCount
                        + " sessions runs a detached `echo started; exec sleep 86400` throughout (checked still running "
                        + "at the end). Clock: from spawning `./berth serve` (launcher, JVM with the AOT cache, reconcile) "
                        + "until every session's task output has been re-read from offset 0 (`GET …/output?offset=0`, "
                        + "first output frame), the " + sessionCount + " streams opened at once on one new h2c connection "
                        + "once the server listens. No sessions: one `GET /v1/sessions`.")
                .table(Report.LATENCY_HEADER, rows)
                .bullets(phases);
    }

    private static String label(int sessions, boolean graceful) {
        return (sessions == 0 ? "**no sessions**" : "**" + sessions + " sessions**") + ", after "
                + (graceful ? "SIGTERM (`berth down`)" : "kill -9");
    }

    /** Timings of one kind of restart. */
    private record Series(long[] serving, long[] listening, long[] newCommands, String phases) {}

    private Series restarts(ServerProcess server, Map<String, String> tasks, boolean graceful) throws Exception {
        long[] serving = new long[runs];
        long[] listening = new long[runs];
        long[] newCommands = new long[tasks.isEmpty() ? 0 : runs];
        for (int i = 0; i < runs; i++) {
            server.stop(graceful);
            long t0 = System.nanoTime();
            server.start();
            long t1 = System.nanoTime();
            try (H2Api api = new H2Api(server.uri(), server.token())) {
                if (tasks.isEmpty()) {
                    api.sessions(); // the empty server's floor still answers one request
                } else {
                    reattachAll(api, tasks);
                }
                serving[i] = System.nanoTime() - t0;
                listening[i] = t1 - t0;
                if (!tasks.isEmpty()) {
                    long t2 = System.nanoTime();
                    runEverywhere(api, List.copyOf(tasks.keySet()));
                    newCommands[i] = System.nanoTime() - t2;
                }
            }
        }
        return new Series(serving, listening, newCommands, server.lastStartupPhases());
    }

    /** Every task's output from byte 0, all at once; returns when each stream has replayed its first line. */
    private static void reattachAll(H2Api api, Map<String, String> tasks) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> firstBytes = new ArrayList<>();
            for (var task : tasks.entrySet()) {
                firstBytes.add(pool.submit(() -> {
                    try (CommandStream out = api.attach(task.getKey(), task.getValue(), 0)) {
                        return out.awaitOutput(); // the task still runs: its stream does not end
                    }
                }));
            }
            for (Future<Long> f : firstBytes) {
                if (f.get() < 0) {
                    throw new IOException("a task's output ended before its first line after the restart");
                }
            }
        }
    }

    /** {@code true} in every session at once; returns when each has exited 0. */
    private static void runEverywhere(H2Api api, List<String> ids) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<CommandStream.Summary>> results = new ArrayList<>();
            for (String id : ids) {
                results.add(pool.submit(() -> {
                    try (CommandStream out = api.run(id, CommandRequest.shell("true"))) {
                        return out.drain();
                    }
                }));
            }
            for (int i = 0; i < ids.size(); i++) {
                CommandStream.Summary s = results.get(i).get();
                if (s.exit().status().code() == null || s.exit().status().code() != 0) {
                    throw new IOException("`true` in " + ids.get(i) + " after the restart: " + s);
                }
            }
        }
    }

    /** Sessions outlive their server by design: remove them through it, then stop it and its data. */
    private static void cleanUp(ServerProcess server, List<String> ids) throws Exception {
        try {
            if (!ids.isEmpty()) {
                if (!server.running()) {
                    server.start();
                }
                try (H2Api api = new H2Api(server.uri(), server.token())) {
                    for (String id : ids) {
                        try {
                            api.deleteSession(id);
                        } catch (Exception e) {
                            System.err.println("bench: could not delete session " + id + ": " + e.getMessage());
                        }
                    }
                }
            }
            server.stop(true);
        } finally {
            try (Stream<Path> files = Files.walk(server.data())) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
