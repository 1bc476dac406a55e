package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.Report;
import dev.berth.bench.SshTarget;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keystroke → echo on a terminal: one byte typed, the clock stopped when the terminal's echo of it
 * has been read. Berth: a {@code cat} on a session's terminal, typed on with {@code POST …/input}
 * and read on its open output stream, over h2c (one connection, as an SDK would) and over the
 * CLI's HTTP/1.1 client for the input (what {@code berth exec --it} does); next to
 * {@code ssh -tt localhost cat} on a warm connection and to a local pty ({@code script}).
 */
public final class TtyLatency implements Measurement {
    private final BenchSessions sessions;
    private final URI server;
    private final String token;
    private final Optional<SshTarget> ssh;
    private final int warmup;
    private final int runs;

    public TtyLatency(BenchSessions sessions, URI server, String token, Optional<SshTarget> ssh, int warmup, int runs) {
        this.sessions = sessions;
        this.server = server;
        this.token = token;
        this.ssh = ssh;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "tty";
    }

    @Override
    public void run(Report report) throws Exception {
        String id = sessions.create("tty");
        String cat = sessions.api().startTty(id, List.of("cat"));
        List<Process> processes = new ArrayList<>();
        try (CommandStream screen = sessions.api().attach(id, cat, 0); BerthClient http1 = new BerthClient(server, token)) {
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("**berth, input and output over h2c**", () -> {
                long t0 = System.nanoTime();
                sessions.api().input(id, cat, new byte[] {'x'});
                return screen.awaitOutput() - t0;
            });
            actions.put("berth, input as the CLI sends it (HTTP/1.1), output over h2c", () -> {
                long t0 = System.nanoTime();
                http1.input(id, cat, new byte[] {'y'});
                return screen.awaitOutput() - t0;
            });
            if (ssh.isPresent()) {
                Process sshCat = start(sshTty(ssh.get()));
                processes.add(sshCat);
                actions.put("`ssh -tt localhost cat` (warm connection)", echo(sshCat));
            }
            Process local = start(List.of("script", "-q", "-c", "cat", "/dev/null"));
            processes.add(local);
            actions.put("local pty (`script -c cat`)", echo(local));
            Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
            List<List<String>> rows = new ArrayList<>();
            Map<String, Stats> stats = new LinkedHashMap<>();
            samples.forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
            stats.forEach((k, s) -> rows.add(latencyRowWithP99(k, s, samples.get(k))));
            Stats berth = stats.values().iterator().next();
            double p99 = p99(samples.values().iterator().next());
            List<String> verdicts = new ArrayList<>();
            verdicts.add("target p50 ≤ 1 ms and p99 ≤ 5 ms (h2c): **" + (berth.p50() <= 1 && p99 <= 5 ? "met" : "missed")
                    + "** (p50 " + Report.ms(berth.p50()) + " ms, p99 " + Report.ms(p99) + " ms)");
            stats.entrySet().stream().filter(e -> e.getKey().startsWith("`ssh")).findFirst().ifPresent(e ->
                    verdicts.add("below ssh's: **" + (berth.p50() < e.getValue().p50() ? "met" : "missed") + "** (ssh p50 "
                            + Report.ms(e.getValue().p50()) + " ms)"));
            report.heading(2, "8. Keystroke → echo on a terminal")
                    .paragraph(runs + " keystrokes of each after " + warmup + " warm-up ones, interleaved; clock from "
                            + "sending one byte to reading its echo (the terminal's own, in canonical mode).")
                    .table(List.of("", "p50 ms", "p90 ms", "p99 ms", "min ms", "max ms", "runs"), rows)
                    .bullets(verdicts);
        } finally {
            processes.forEach(Process::destroyForcibly);
            sessions.delete(id);
        }
    }

    private static List<String> sshTty(SshTarget s) {
        List<String> argv = new ArrayList<>(s.command("cat"));
        argv.add(1, "-tt");
        return argv;
    }

    private static Process start(List<String> argv) throws IOException {
        return new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Types one byte on a process's terminal and waits for it to come back. */
    private static Interleaved.Action echo(Process p) {
        OutputStream in = p.getOutputStream();
        InputStream out = p.getInputStream();
        return () -> {
            long t0 = System.nanoTime();
            in.write('z');
            in.flush();
            while (true) {
                int b = out.read();
                if (b < 0) {
                    throw new IOException("the terminal closed");
                }
                if (b == 'z') {
                    return System.nanoTime() - t0;
                }
            }
        };
    }

    private static double p99(long[] nanos) {
        long[] s = nanos.clone();
        java.util.Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)] / 1e6;
    }

    private static List<String> latencyRowWithP99(String label, Stats s, long[] nanos) {
        return List.of(label, Report.ms(s.p50()), Report.ms(s.p90()), Report.ms(p99(nanos)), Report.ms(s.min()),
                Report.ms(s.max()), Integer.toString(s.n()));
    }
}
