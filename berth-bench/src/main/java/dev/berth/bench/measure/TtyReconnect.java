package dev.berth.bench.measure;

import dev.berth.bench.BenchSessions;
import dev.berth.bench.CutProxy;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Network restored → output flowing again, end to end: the real {@code berth exec -t} of a
 * program printing every 10 ms, talking to the server through a proxy that the bench cuts
 * (connections reset, new ones refused) and restores; the clock runs from the restore to the first
 * output byte the CLI writes after it. {@code ssh} has no counterpart: a reset ends its session.
 */
public final class TtyReconnect implements Measurement {
    private static final double TARGET_MS = 1000;

    private final BenchSessions sessions;
    private final URI server;
    private final String token;
    private final Path repo;
    private final int runs;

    public TtyReconnect(BenchSessions sessions, URI server, String token, Path repo, int runs) {
        this.sessions = sessions;
        this.server = server;
        this.token = token;
        this.repo = repo;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "tty-reconnect";
    }

    @Override
    public void run(Report report) throws Exception {
        String id = sessions.create("tty-net");
        AtomicLong lastOutput = new AtomicLong();
        long[] samples = new long[runs];
        Path err = Files.createTempFile("berth-reconnect", ".err");
        try (CutProxy proxy = new CutProxy(server.getPort())) {
            Process cli = new ProcessBuilder(repo.resolve("berth").toString(), "--server", "http://127.0.0.1:" + proxy.port(),
                    "--token", token, "exec", "-t", id, "--", "sh", "-c", "while :; do echo tick; sleep 0.01; done")
                    .redirectError(err.toFile()).start();
            try {
                Thread reader = Thread.ofVirtual().start(() -> {
                    byte[] buf = new byte[4096];
                    try (InputStream in = cli.getInputStream()) {
                        while (in.read(buf) > 0) {
                            lastOutput.set(System.nanoTime());
                        }
                    } catch (java.io.IOException e) {
                        // the CLI ended
                    }
                });
                awaitOutputAfter(lastOutput, System.nanoTime(), cli);
                for (int i = 0; i < runs; i++) {
                    proxy.cut();
                    Thread.sleep(2000); // the outage itself: long enough for the CLI to be retrying
                    long restored = System.nanoTime();
                    proxy.restore();
                    samples[i] = awaitOutputAfter(lastOutput, restored, cli) - restored;
                }
                reader.interrupt();
            } finally {
                cli.destroy();
                cli.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            sessions.delete(id);
            Files.deleteIfExists(err);
        }
        Stats s = Stats.ofNanosAsMillis(samples);
        report.heading(2, "11. Network restored → terminal output flowing again")
                .paragraph(runs + " outages of 2 s (every connection reset, new ones refused) between `berth exec -t` "
                        + "and the server, with a program printing every 10 ms; clock from the restore to the first "
                        + "byte the CLI writes after it. `ssh` has no counterpart: the reset ends its session.")
                .table(List.of("", "p50 ms", "max ms", "runs"), List.of(List.of("**berth exec -t**",
                        Report.ms(s.p50()), Report.ms(s.max()), Integer.toString(s.n()))))
                .bullets(List.of("target ≤ " + Report.num(TARGET_MS, 0) + " ms: **" + (s.max() <= TARGET_MS ? "met" : "missed")
                        + "** (worst " + Report.ms(s.max()) + " ms)"));
    }

    /** Waits (polling the clock the reader sets) until output arrived after {@code since}; returns when. */
    private static long awaitOutputAfter(AtomicLong lastOutput, long since, Process cli) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lastOutput.get() <= since) {
            if (!cli.isAlive() || System.nanoTime() > deadline) {
                throw new java.io.IOException("berth exec -t stopped printing after a restore");
            }
            Thread.sleep(1); // a clock to look at: the reader thread stamps each read
        }
        return lastOutput.get();
    }
}
