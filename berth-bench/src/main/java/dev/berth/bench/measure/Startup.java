package dev.berth.bench.measure;

import dev.berth.bench.Processes;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code ./berth --version}: the launcher script (JDK lookup, source staleness check) plus a JVM
 * started with the AOT cache, i.e. the floor under every CLI call, next to a bare {@code java
 * -version} of the same JDK and a bare {@code sh -c true}; and a whole CLI command round trip,
 * {@code ./berth run SESSION -- true}, which is what a user typing commands waits for.
 */
public final class Startup implements Measurement {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path repo;
    private final Path java;
    private final Path data;
    private final String sessionId;
    private final int warmup;
    private final int runs;

    public Startup(Path repo, Path java, Path data, String sessionId, int warmup, int runs) {
        this.repo = repo;
        this.java = java;
        this.data = data;
        this.sessionId = sessionId;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "startup";
    }

    @Override
    public void run(Report report) throws Exception {
        String berth = repo.resolve("berth").toString();
        String aot = aotCacheState(berth);
        Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
        actions.put("`./berth --version`", () -> Processes.time(List.of(berth, "--version"), repo, TIMEOUT));
        actions.put("`java -version` (same JDK)", () -> Processes.time(List.of(java.toString(), "-version"), repo, TIMEOUT));
        actions.put("`sh -c true`", () -> Processes.time(List.of("sh", "-c", "true"), repo, TIMEOUT));
        actions.put("`./berth run SESSION -- true` (a whole CLI call)", () -> Processes.time(
                List.of(berth, "--home", data.toString(), "run", sessionId, "--", "true"), repo, TIMEOUT));
        Map<String, Stats> stats = new LinkedHashMap<>();
        Interleaved.run(warmup, runs, actions).forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));

        List<List<String>> rows = new ArrayList<>();
        stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
        List<Stats> s = List.copyOf(stats.values());
        report.heading(2, "5. CLI start-up")
                .paragraph(runs + " runs of each after " + warmup + " warm-up runs, interleaved; wall time from "
                        + "fork/exec to exit, output discarded.")
                .table(Report.LATENCY_HEADER, rows)
                .bullets(List.of("`./berth --version` p50 − `java -version` p50: " + Report.ms(s.get(0).p50() - s.get(1).p50())
                        + " ms (the launcher script, then loading and initialising Berth's and picocli's classes)",
                        "the launcher's AOT cache (`berth-cli/target/dist/berth.aot`): " + aot));
    }

    /**
     * Whether the CLI's JVM could map the launcher's AOT cache. The launcher turns the JVM's AOT log
     * off, so a stale cache (jars rebuilt after it was recorded) fails silently, and then the JVM runs
     * without any class data sharing at all: every figure above would be a different machine's.
     */
    private String aotCacheState(String berth) {
        // later -Xlog options win: BERTH_JAVA_OPTS comes after the launcher's -Xlog:aot=off
        String out = Processes.output(List.of(berth, "--version"), Map.of("BERTH_JAVA_OPTS", "-Xlog:aot=error:stderr"));
        List<String> errors = out.lines().filter(l -> l.contains("[error]")).toList();
        return errors.isEmpty() ? "used" : "**not used**: " + errors.stream()
                .map(l -> "`" + l.replaceAll("^\\[[^]]*\\]\\[error *\\]\\[aot *\\] *", "") + "`")
                .collect(Collectors.joining("; "));
    }
}
