package dev.berth.bench.measure;

import dev.berth.api.model.CommandRequest;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.Processes;
import dev.berth.bench.Report;
import dev.berth.bench.SshTarget;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cost of one trivial command: {@code {"command":"true"}} over a warm h2c connection to a
 * running session, against what a user would otherwise run: a local {@code sh -c true} and
 * {@code ssh localhost true} (a new connection each, and a multiplexed one).
 */
public final class RoundTrip implements Measurement {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final double TARGET_ADDED_MS = 3;
    private static final double TARGET_SSH_RATIO = 10;

    private final BenchSessions sessions;
    private final String sessionId;
    private final Optional<SshTarget> ssh;
    private final Path dir;
    private final int warmup;
    private final int runs;
    /** The exit frames' {@code durationMs}: spawn to exit as the sandbox supervisor saw it. */
    private final List<Double> commandMillis = new ArrayList<>();

    public RoundTrip(BenchSessions sessions, String sessionId, Optional<SshTarget> ssh, Path dir, int warmup, int runs) {
        this.sessions = sessions;
        this.sessionId = sessionId;
        this.ssh = ssh;
        this.dir = dir;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "round-trip";
    }

    @Override
    public void run(Report report) throws Exception {
        Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
        actions.put("berth h2c `{\"command\":\"true\"}`", this::berth);
        actions.put("local `sh -c true`", () -> Processes.time(List.of("sh", "-c", "true"), dir, TIMEOUT));
        Path control = Files.createTempDirectory("berth-bench-ssh").resolve("cm");
        if (ssh.isPresent()) {
            SshTarget s = ssh.get();
            actions.put("`ssh localhost true` (new connection)", () -> Processes.time(s.command("true"), dir, TIMEOUT));
            actions.put("`ssh localhost true` (multiplexed, warm)",
                    () -> Processes.time(s.multiplexed(control, "true"), dir, TIMEOUT));
            Processes.time(s.startMaster(control), dir, TIMEOUT);
        }
        Map<String, long[]> samples;
        try {
            samples = Interleaved.run(warmup, runs, actions);
        } finally {
            if (ssh.isPresent()) {
                Processes.time(ssh.get().stopMaster(control), dir, TIMEOUT);
            }
            Files.deleteIfExists(control.getParent());
        }

        Map<String, Stats> stats = new LinkedHashMap<>();
        samples.forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
        List<List<String>> rows = new ArrayList<>();
        stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
        // the last `runs` berth samples are the measured ones (the others were warm-up)
        double[] inSandbox = commandMillis.subList(commandMillis.size() - runs, commandMillis.size()).stream()
                .mapToDouble(Double::doubleValue).toArray();
        rows.add(1, Report.latencyRow("of which `durationMs` in its exit frame (the supervisor's spawn → exit, whole ms)",
                Stats.of(inSandbox)));
        report.heading(2, "2. Round trip of a trivial command")
                .paragraph(runs + " runs of each after " + warmup + " warm-up runs, interleaved round-robin. Berth: one "
                        + "session, one warm h2c connection, clock from sending the request to reading the exit frame. "
                        + "Local and ssh: fork/exec from the JVM (`ProcessBuilder`), clock from start to exit.")
                .table(Report.LATENCY_HEADER, rows);

        List<Stats> s = List.copyOf(stats.values()); // berth, local, ssh, ssh multiplexed
        Stats berth = s.get(0);
        Stats local = s.get(1);
        double added = berth.p50() - local.p50();
        List<String> verdicts = new ArrayList<>();
        verdicts.add("added over local (p50): " + Report.ms(added) + " ms (p90: " + Report.ms(berth.p90() - local.p90())
                + " ms); target ≤ " + Report.ms(TARGET_ADDED_MS) + " ms: **" + (added <= TARGET_ADDED_MS ? "met" : "missed") + "**");
        if (ssh.isPresent()) {
            double fresh = s.get(2).p50() / berth.p50();
            verdicts.add("ssh (new connection) p50 / berth p50: " + Report.ratio(fresh) + "; target ≥ "
                    + Report.ratio(TARGET_SSH_RATIO) + ": **" + (fresh >= TARGET_SSH_RATIO ? "met" : "missed") + "**");
            verdicts.add("ssh (multiplexed) p50 / berth p50: " + Report.ratio(s.get(3).p50() / berth.p50()));
        }
        report.bullets(verdicts);
    }

    private long berth() throws Exception {
        long t0 = System.nanoTime();
        try (CommandStream out = sessions.api().run(sessionId, CommandRequest.shell("true"))) {
            CommandStream.Summary s = out.drain();
            long t1 = System.nanoTime();
            if (s.exit().status().code() == null || s.exit().status().code() != 0) {
                throw new IOException("true failed: " + s);
            }
            commandMillis.add((double) s.exit().status().durationMs());
            return t1 - t0;
        }
    }
}
