package dev.berth.bench.measure;

import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.Processes;
import dev.berth.bench.Report;
import dev.berth.bench.SshTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Output throughput through a terminal: {@code head -c N /dev/zero} on a session's pty, read over
 * its WebSocket and over h2c from offset 0 to the exit, next to {@code ssh -tt localhost head -c N /dev/zero} into
 * a pipe. A terminal adds its line discipline and the pty's small buffer to every byte.
 */
public final class TtyThroughput implements Measurement {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final BenchSessions sessions;
    private final Optional<SshTarget> ssh;
    private final Path dir;
    private final int runs;
    private final long bytes;

    private final java.net.URI server;
    private final String token;

    public TtyThroughput(BenchSessions sessions, java.net.URI server, String token, Optional<SshTarget> ssh, Path dir,
            int runs, long bytes) {
        this.sessions = sessions;
        this.server = server;
        this.token = token;
        this.ssh = ssh;
        this.dir = dir;
        this.runs = runs;
        this.bytes = bytes;
    }

    @Override
    public String section() {
        return "tty-throughput";
    }

    @Override
    public void run(Report report) throws Exception {
        String id = sessions.create("tty-mbps");
        List<String> head = List.of("head", "-c", Long.toString(bytes), "/dev/zero");
        Map<String, List<Double>> mbps = new LinkedHashMap<>();
        try {
            for (int i = -1; i < runs; i++) { // one warm-up round
                long t0 = System.nanoTime();
                String ws = sessions.api().startTty(id, head);
                record(mbps, "**berth, a pty in the session, read over its WebSocket (what `exec` uses)**", i,
                        overSocket(id, ws), System.nanoTime() - t0);
                t0 = System.nanoTime();
                String cid = sessions.api().startTty(id, head);
                long got;
                try (CommandStream out = sessions.api().attach(id, cid, 0)) {
                    got = out.drain().stdoutBytes();
                }
                record(mbps, "berth, a pty in the session, read over h2c", i, got, System.nanoTime() - t0);
                if (ssh.isPresent()) {
                    List<String> argv = new ArrayList<>(ssh.get().command(head.toArray(String[]::new)));
                    argv.add(1, "-tt");
                    Processes.Counted c = Processes.countStdout(argv, dir, TIMEOUT);
                    record(mbps, "`ssh -tt localhost head -c …` → pipe", i, c.bytes(), c.nanos());
                }
            }
        } finally {
            sessions.delete(id);
        }
        List<List<String>> rows = new ArrayList<>();
        Map<String, Double> medians = new LinkedHashMap<>();
        mbps.forEach((k, v) -> {
            List<Double> sorted = v.stream().sorted().toList();
            double median = sorted.get(sorted.size() / 2);
            medians.put(k, median);
            rows.add(List.of(k, Report.num(median, 0), v.stream().map(x -> Report.num(x, 0)).reduce((a, b) -> a + ", " + b)
                    .orElse("")));
        });
        List<String> verdicts = new ArrayList<>();
        double berth = medians.values().iterator().next();
        medians.entrySet().stream().filter(e -> e.getKey().startsWith("`ssh")).findFirst().ifPresent(e ->
                verdicts.add("berth (WebSocket) / ssh: " + Report.ratio(berth / e.getValue()) + "; target ≥ ssh: **"
                        + (berth >= e.getValue() ? "met" : "missed") + "**"));
        report.heading(2, "9. Output throughput through a terminal, " + (bytes >> 20) + " MiB of zeros")
                .paragraph(runs + " runs of each after one warm-up, interleaved; MB/s = 10⁶ bytes per second, from the "
                        + "request (or process start) to the last byte and the exit. A run that delivers fewer bytes fails.")
                .table(List.of("", "median MB/s", "each run"), rows)
                .bullets(verdicts);
    }

    /** Reads a terminal command's output over its WebSocket to the exit; returns the bytes. */
    private long overSocket(String session, String cid) throws Exception {
        java.util.concurrent.atomic.AtomicLong got = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CompletableFuture<Long> end = new java.util.concurrent.CompletableFuture<>();
        try (dev.berth.api.client.BerthClient client = new dev.berth.api.client.BerthClient(server, token);
                dev.berth.api.client.TerminalChannel ch = client.openTerminal(session, cid, 0, "bench", 0,
                        new dev.berth.api.client.TerminalChannel.Listener() {
                            @Override
                            public void hello(long offset, long inputAccepted) {}

                            @Override
                            public void output(long offset, java.nio.ByteBuffer data) {
                                got.addAndGet(data.remaining());
                            }

                            @Override
                            public void exited(dev.berth.api.model.ExitStatus status, long endOffset) {
                                end.complete(endOffset);
                            }

                            @Override
                            public void closed(String why) {
                                end.completeExceptionally(new IOException(why));
                            }
                        })) {
            end.get(TIMEOUT.toMinutes(), java.util.concurrent.TimeUnit.MINUTES);
            return got.get();
        }
    }

    private void record(Map<String, List<Double>> mbps, String label, int run, long got, long nanos) throws IOException {
        if (got != bytes) {
            throw new IOException(label + " delivered " + got + " of " + bytes + " bytes");
        }
        if (run >= 0) {
            mbps.computeIfAbsent(label, k -> new ArrayList<>()).add(bytes / (nanos / 1e9) / 1e6);
        }
    }
}
