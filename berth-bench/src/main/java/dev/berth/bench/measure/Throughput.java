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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * stdout throughput of {@code head -c N /dev/zero}: through Berth (h2c, and the CLI into a pipe),
 * through ssh into a pipe, and locally into a pipe. Every pipe is drained by the same counter.
 */
public final class Throughput implements Measurement {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    /** Enough to warm the JIT on both ends without costing a full run. */
    private static final long WARMUP_BYTES = 64L << 20;

    /** One run: counts bytes, returns its wall time in nanoseconds. */
    private interface Variant {
        long run(long bytes) throws Exception;
    }

    private final BenchSessions sessions;
    private final String sessionId;
    private final Optional<SshTarget> ssh;
    private final Path repo;
    private final Path data;
    private final int runs;
    private final long bytes;

    public Throughput(BenchSessions sessions, String sessionId, Optional<SshTarget> ssh, Path repo, Path data,
                      int runs, long bytes) {
        this.sessions = sessions;
        this.sessionId = sessionId;
        this.ssh = ssh;
        this.repo = repo;
        this.data = data;
        this.runs = runs;
        this.bytes = bytes;
    }

    @Override
    public String section() {
        return "throughput";
    }

    @Override
    public void run(Report report) throws Exception {
        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("berth h2c (payload bytes counted)", this::h2c);
        variants.put("`berth run` CLI → pipe", n -> piped(List.of(repo.resolve("berth").toString(), "--home", data.toString(),
                "run", sessionId, "--", "head", "-c", Long.toString(n), "/dev/zero"), n));
        ssh.ifPresent(s -> variants.put("`ssh localhost head -c` → pipe",
                n -> piped(s.command("head", "-c", Long.toString(n), "/dev/zero"), n)));
        variants.put("local `head -c` → pipe", n -> piped(List.of("head", "-c", Long.toString(n), "/dev/zero"), n));

        for (Variant v : variants.values()) {
            v.run(WARMUP_BYTES);
        }
        Map<String, double[]> mbps = new LinkedHashMap<>();
        variants.keySet().forEach(k -> mbps.put(k, new double[runs]));
        for (int i = 0; i < runs; i++) { // interleaved, like the latency series
            for (Map.Entry<String, Variant> v : variants.entrySet()) {
                mbps.get(v.getKey())[i] = bytes / (v.getValue().run(bytes) / 1e9) / 1e6;
            }
        }

        List<List<String>> rows = new ArrayList<>();
        Map<String, Stats> stats = new LinkedHashMap<>();
        mbps.forEach((k, v) -> {
            Stats s = Stats.of(v);
            stats.put(k, s);
            rows.add(List.of(k, Report.num(s.p50(), 0), Report.num(s.min(), 0), Report.num(s.max(), 0),
                    Arrays.stream(v).mapToObj(x -> Report.num(x, 0)).collect(Collectors.joining(", "))));
        });
        report.heading(2, "3. stdout throughput, " + (bytes >> 20) + " MiB of `head -c " + bytes + " /dev/zero`")
                .paragraph(runs + " runs of each (interleaved) after one " + (WARMUP_BYTES >> 20) + " MiB warm-up run. "
                        + "MB/s = 10⁶ bytes per second of wall time from request (or process start) to the last byte "
                        + "and the exit. Every byte is counted; a run that delivers fewer bytes fails.")
                .table(List.of("", "median MB/s", "min", "max", "each run"), rows);

        List<String> ratios = new ArrayList<>();
        double berth = stats.get("berth h2c (payload bytes counted)").p50();
        double cli = stats.get("`berth run` CLI → pipe").p50();
        double local = stats.get("local `head -c` → pipe").p50();
        ratios.add("berth h2c / local: " + Report.ratio(berth / local) + "; berth CLI / local: " + Report.ratio(cli / local));
        ssh.ifPresent(s -> {
            double viaSsh = stats.get("`ssh localhost head -c` → pipe").p50();
            ratios.add("berth h2c / ssh: " + Report.ratio(berth / viaSsh) + "; berth CLI / ssh: "
                    + Report.ratio(cli / viaSsh) + "; target Berth ≥ ssh: **" + (berth >= viaSsh ? "met" : "missed")
                    + "** (h2c), **" + (cli >= viaSsh ? "met" : "missed") + "** (CLI)");
        });
        report.bullets(ratios);
    }

    private long h2c(long n) throws Exception {
        long t0 = System.nanoTime();
        try (CommandStream out = sessions.api().run(sessionId,
                CommandRequest.argv(List.of("head", "-c", Long.toString(n), "/dev/zero")))) {
            CommandStream.Summary s = out.drain();
            long t1 = System.nanoTime();
            if (s.stdoutBytes() != n || s.trimmedBytes() != 0) {
                throw new IOException("expected " + n + " bytes, got " + s);
            }
            return t1 - t0;
        }
    }

    private long piped(List<String> argv, long n) throws Exception {
        Processes.Counted c = Processes.countStdout(argv, repo, TIMEOUT);
        if (c.bytes() != n) {
            throw new IOException("expected " + n + " bytes, got " + c.bytes() + " from " + String.join(" ", argv));
        }
        return c.nanos();
    }
}
