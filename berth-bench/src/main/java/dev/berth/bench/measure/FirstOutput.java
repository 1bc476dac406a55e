package dev.berth.bench.measure;

import dev.berth.api.model.CommandRequest;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Session create → first command output: {@code POST /v1/sessions}, then {@code POST
 * .../commands {"argv":["echo","x"]}}, clock stopped when the first output frame has been read.
 * What an agent waits for before its first tool call in a fresh sandbox shows anything.
 */
public final class FirstOutput implements Measurement {
    private static final double TARGET_P50_MS = 50;

    private final BenchSessions sessions;
    private final int warmup;
    private final int runs;

    public FirstOutput(BenchSessions sessions, int warmup, int runs) {
        this.sessions = sessions;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "first-output";
    }

    @Override
    public void run(Report report) throws Exception {
        long[] total = new long[runs];
        long[] create = new long[runs];
        long[] command = new long[runs];
        for (int i = -warmup; i < runs; i++) {
            String name = "fo-" + (i + warmup);
            long t0 = System.nanoTime();
            String id = sessions.create(name);
            long t1 = System.nanoTime();
            long t2;
            try (CommandStream out = sessions.api().run(id, CommandRequest.argv(List.of("echo", "x")))) {
                t2 = out.awaitOutput();
                CommandStream.Summary s = out.drain();
                if (t2 < 0 || s.stdoutBytes() != 2 || s.exit().status().code() == null || s.exit().status().code() != 0) {
                    throw new IOException("echo x gave " + s);
                }
            } finally {
                sessions.delete(id); // not timed
            }
            if (i >= 0) {
                total[i] = t2 - t0;
                create[i] = t1 - t0;
                command[i] = t2 - t1;
            }
        }
        Stats t = Stats.ofNanosAsMillis(total);
        List<List<String>> rows = new ArrayList<>();
        rows.add(Report.latencyRow("**create → first output**", t));
        rows.add(Report.latencyRow("of which `POST /v1/sessions` (201)", Stats.ofNanosAsMillis(create)));
        rows.add(Report.latencyRow("of which `POST …/commands` → first `O` frame", Stats.ofNanosAsMillis(command)));
        report.heading(2, "1. Session create → first command output (h2c)")
                .paragraph(runs + " runs after " + warmup + " warm-up runs, one new session each (deleted afterwards, "
                        + "not timed); `echo x`; clock from before `POST /v1/sessions` to the first output frame read.")
                .table(Report.LATENCY_HEADER, rows)
                .paragraph("Target p50 ≤ " + Report.ms(TARGET_P50_MS) + " ms: **"
                        + (t.p50() <= TARGET_P50_MS ? "met" : "missed") + "** (p50 " + Report.ms(t.p50()) + " ms).");
    }
}
