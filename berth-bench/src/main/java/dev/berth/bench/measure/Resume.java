package dev.berth.bench.measure;

import dev.berth.api.model.CommandRequest;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.Processes;
import dev.berth.bench.Report;
import dev.berth.bench.SshTarget;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resume of a stopped session → first command output: the session is stopped (not timed), then
 * {@code POST .../commands {"argv":["echo","x"]}} resumes it transparently (workspace mounted
 * again, a new sandbox) and the clock stops at the first output frame. What an agent coming back
 * to an idle-stopped session waits for; next to the same command in a running session and to
 * {@code ssh localhost echo x}, what a user reconnecting to a machine would wait for.
 */
public final class Resume implements Measurement {
    private static final double TARGET_P50_MS = 60;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final BenchSessions sessions;
    private final Optional<SshTarget> ssh;
    private final Path dir;
    private final int warmup;
    private final int runs;
    private final List<Double> stopMillis = new ArrayList<>();

    public Resume(BenchSessions sessions, Optional<SshTarget> ssh, Path dir, int warmup, int runs) {
        this.sessions = sessions;
        this.ssh = ssh;
        this.dir = dir;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "resume";
    }

    @Override
    public void run(Report report) throws Exception {
        String stopped = sessions.create("resume");
        String running = sessions.create("resume-warm");
        // something in the workspace, so that a resume that lost it would show
        try (CommandStream out = sessions.api().run(stopped, CommandRequest.shell("echo kept > /mnt/workspace/mark"))) {
            expectExit0(out.drain(), "writing the workspace");
        }
        Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
        actions.put("**stopped session: `echo x` → first output (resume)**", () -> resumeAndEcho(stopped));
        actions.put("running session: `echo x` → first output", () -> firstOutput(running));
        ssh.ifPresent(s -> actions.put("`ssh localhost echo x` (new connection), start → exit",
                () -> Processes.time(s.command("echo", "x"), dir, TIMEOUT)));
        Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
        try (CommandStream out = sessions.api().run(stopped, CommandRequest.shell("cat /mnt/workspace/mark"))) {
            CommandStream.Summary s = out.drain();
            expectExit0(s, "reading the workspace back");
            if (s.stdoutBytes() != "kept\n".length()) {
                throw new IOException("the workspace lost its file across " + (warmup + runs) + " resumes: " + s);
            }
        }
        sessions.delete(stopped);
        sessions.delete(running);

        Map<String, Stats> stats = new LinkedHashMap<>();
        samples.forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
        List<List<String>> rows = new ArrayList<>();
        stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
        double[] stops = stopMillis.subList(stopMillis.size() - runs, stopMillis.size()).stream()
                .mapToDouble(Double::doubleValue).toArray();
        rows.add(Report.latencyRow("(not in the figure) `POST …/stop` before each run", Stats.of(stops)));
        List<Stats> s = List.copyOf(stats.values());
        Stats resume = s.get(0);
        List<String> verdicts = new ArrayList<>();
        verdicts.add("resume adds " + Report.ms(resume.p50() - s.get(1).p50()) + " ms (p50) over a running session");
        if (ssh.isPresent()) {
            verdicts.add("ssh (new connection) p50 / resume p50: " + Report.ratio(s.get(2).p50() / resume.p50()));
        }
        verdicts.add("target p50 ≤ " + Report.ms(TARGET_P50_MS) + " ms: **" + (resume.p50() <= TARGET_P50_MS ? "met" : "missed")
                + "** (p50 " + Report.ms(resume.p50()) + " ms)");
        report.heading(2, "6. Resume of a stopped session → first command output (h2c)")
                .paragraph(runs + " runs of each after " + warmup + " warm-up runs, interleaved. Before each resume run "
                        + "the session is stopped with `POST /v1/sessions/{id}/stop` (sandbox torn down, workspace "
                        + "unmounted; not timed); the clock runs from sending `POST …/commands {\"argv\":[\"echo\",\"x\"]}` "
                        + "to reading the first output frame. A file written before the series is read back after it.")
                .table(Report.LATENCY_HEADER, rows)
                .bullets(verdicts);
    }

    private long resumeAndEcho(String id) throws Exception {
        long s0 = System.nanoTime();
        sessions.api().stopSession(id);
        stopMillis.add((System.nanoTime() - s0) / 1e6);
        return firstOutput(id);
    }

    private long firstOutput(String id) throws Exception {
        long t0 = System.nanoTime();
        try (CommandStream out = sessions.api().run(id, CommandRequest.argv(List.of("echo", "x")))) {
            long t1 = out.awaitOutput();
            CommandStream.Summary s = out.drain();
            if (t1 < 0 || s.stdoutBytes() != 2) {
                throw new IOException("echo x gave " + s);
            }
            expectExit0(s, "echo x");
            return t1 - t0;
        }
    }

    private static void expectExit0(CommandStream.Summary s, String what) throws IOException {
        if (s.exit().status().code() == null || s.exit().status().code() != 0) {
            throw new IOException(what + " failed: " + s);
        }
    }
}
