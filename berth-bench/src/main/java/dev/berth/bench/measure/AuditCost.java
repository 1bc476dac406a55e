package dev.berth.bench.measure;

import dev.berth.api.model.CommandRequest;
import dev.berth.bench.CommandStream;
import dev.berth.bench.H2Api;
import dev.berth.bench.Report;
import dev.berth.bench.ServerProcess;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the audit trail adds to a command's round trip: two servers side by side, one recording
 * every call and command end (the default), one started with {@code --audit-off}; the same
 * trivial command on each, interleaved.
 */
public final class AuditCost implements Measurement {
    private static final double TARGET_ADDED_MS = 0.2;

    private final Path repo;
    private final int warmup;
    private final int runs;

    public AuditCost(Path repo, int warmup, int runs) {
        this.repo = repo;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "audit-cost";
    }

    @Override
    public void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory("berth-bench-audit");
        ServerProcess on = new ServerProcess(repo, dir.resolve("on"));
        ServerProcess off = new ServerProcess(repo, dir.resolve("off"), List.of("--audit-off"));
        on.start();
        off.start();
        try (H2Api withAudit = new H2Api(on.uri(), on.token()); H2Api without = new H2Api(off.uri(), off.token())) {
            withAudit.createSession("audit-on");
            without.createSession("audit-off");
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("audit on (default)", () -> trueIn(withAudit, "audit-on"));
            actions.put("audit off (`--audit-off`)", () -> trueIn(without, "audit-off"));
            Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
            Map<String, Stats> stats = new LinkedHashMap<>();
            samples.forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
            List<List<String>> rows = new ArrayList<>();
            stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
            List<Stats> s = List.copyOf(stats.values());
            double added = s.get(0).p50() - s.get(1).p50();
            report.heading(2, "15. Audit cost per command")
                    .paragraph(runs + " runs of `{\"command\":\"true\"}` on each of two servers after " + warmup
                            + " warm-up runs, interleaved: one records the command's start and its exit in the "
                            + "hash-chained audit log, the other runs with the audit off. One warm h2c connection each.")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(List.of("added by the audit (p50): " + Report.ms(added) + " ms; target ≤ "
                            + Report.ms(TARGET_ADDED_MS) + " ms: **" + (added <= TARGET_ADDED_MS ? "met" : "missed") + "**"));
            withAudit.deleteSession("audit-on");
            without.deleteSession("audit-off");
        } finally {
            on.stop(true);
            off.stop(true);
        }
    }

    private static long trueIn(H2Api api, String session) throws Exception {
        long t0 = System.nanoTime();
        try (CommandStream out = api.run(session, CommandRequest.shell("true"))) {
            CommandStream.Summary s = out.drain();
            long t1 = System.nanoTime();
            if (s.exit().status().code() == null || s.exit().status().code() != 0) {
                throw new IOException("true failed: " + s);
            }
            return t1 - t0;
        }
    }
}
