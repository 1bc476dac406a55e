package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Keystroke → echo on a terminal: one byte typed, the clock stopped when the terminal's echo of it
 * has been read. Berth: a {@code cat} on a session's terminal, over its WebSocket (what
 * {@code berth exec --it} does), and typed on with {@code POST …/input} while read on its open
 * output stream (over h2c, as an SDK would, and with the JDK's HTTP/1.1 client); next to
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
        // its own cat: a second reader of the same terminal would wake (and cost) on every echo too
        String socketCat = sessions.api().startTty(id, List.of("cat"));
        List<Process> processes = new ArrayList<>();
        BlockingQueue<Long> echoes = new LinkedBlockingQueue<>();
        try (CommandStream screen = sessions.api().attach(id, cat, 0); BerthClient http1 = new BerthClient(server, token);
                TerminalChannel socket = http1.openTerminal(id, socketCat, 0, "bench", 0, echoListener(echoes))) {
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            long[] typed = {0}; // each keystroke on the h2c cat's terminal is echoed as one byte
            actions.put("**berth, over the terminal's WebSocket (what `exec --it` uses)**", () -> {
                long t0 = System.nanoTime();
                socket.input(new byte[] {'w'});
                return echoes.take() - t0;
            });
            actions.put("berth, input and output over h2c", () -> {
                long t0 = System.nanoTime();
                sessions.api().input(id, cat, new byte[] {'x'});
                return screen.awaitOffset(++typed[0]) - t0;
            });
            actions.put("berth, input over HTTP/1.1 (the JDK client), output over h2c", () -> {
                long t0 = System.nanoTime();
                http1.input(id, cat, new byte[] {'y'});
                return screen.awaitOffset(++typed[0]) - t0;
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
            verdicts.add("target p50 ≤ 1 ms and p99 ≤ 5 ms (WebSocket): **" + (berth.p50() <= 1 && p99 <= 5 ? "met" : "missed")
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

    /** Notes when the echo of a {@code w} arrives on the socket. */
    static TerminalChannel.Listener echoListener(BlockingQueue<Long> echoes) {
        return new TerminalChannel.Listener() {
            @Override
            public void hello(long offset, long inputAccepted) {}

            @Override
            public void output(long offset, java.nio.ByteBuffer data) {
                long now = System.nanoTime();
                for (int i = data.position(); i < data.limit(); i++) {
                    if (data.get(i) == 'w') {
                        echoes.add(now);
                    }
                }
            }

            @Override
            public void exited(dev.berth.api.model.ExitStatus status, long endOffset) {}

            @Override
            public void closed(String why) {}
        };
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
