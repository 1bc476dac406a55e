package dev.berth.bench.measure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.ProcMemory;
import dev.berth.bench.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What an idle attached terminal costs the server: N terminals ({@code cat}) in one session, then
 * one open output stream on each (h2c, a keystroke echoed to be sure it flows), and the server
 * JVM's RSS before and after, divided by N. An upper bound: the JVM's own growth lands in it too.
 */
public final class TtyMemory implements Measurement {
    private static final double TARGET_KIB = 256;

    private final BenchSessions sessions;
    private final Path data;
    private final int count;

    private final java.net.URI server;
    private final String token;

    public TtyMemory(BenchSessions sessions, java.net.URI server, String token, Path data, int count) {
        this.sessions = sessions;
        this.server = server;
        this.token = token;
        this.data = data;
        this.count = count;
    }

    @Override
    public String section() {
        return "tty-memory";
    }

    @Override
    public void run(Report report) throws Exception {
        String id = sessions.create("tty-mem");
        JsonNode serverInfo = Json.mapper().readTree(data.resolve("server.json").toFile());
        long pid = serverInfo.get("pid").asLong();
        List<String> ttys = new ArrayList<>();
        List<TerminalChannel> streams = new ArrayList<>();
        try (BerthClient client = new BerthClient(server, token)) {
            for (int i = 0; i < count; i++) {
                ttys.add(sessions.api().startTty(id, List.of("cat")));
            }
            for (TerminalChannel warm : attachAll(client, id, ttys.subList(0, Math.min(5, ttys.size())))) {
                warm.close(); // the path warmed once, so that its first use does not count as memory per terminal
            }
            long before = ProcMemory.of(pid).rssKiB();
            streams.addAll(attachAll(client, id, ttys));
            long after = ProcMemory.of(pid).rssKiB();
            double perTty = (after - before) / (double) count;
            report.heading(2, "10. Server memory per idle attached terminal")
                    .paragraph(count + " terminals running `cat` in one session; the server JVM's `VmRSS` before and "
                            + "after one WebSocket was attached to each, as `exec --it` holds it (and a keystroke echoed "
                            + "through it).")
                    .bullets(List.of("server RSS " + before + " KiB → " + after + " KiB: **" + Report.num(perTty, 0)
                            + " KiB per attached terminal**; target ≤ " + Report.num(TARGET_KIB, 0) + " KiB: **"
                            + (perTty <= TARGET_KIB ? "met" : "missed") + "**"));
        } finally {
            for (TerminalChannel s : streams) {
                s.close();
            }
            sessions.delete(id);
        }
    }

    /** One WebSocket on each terminal (as {@code exec --it} holds), each shown to flow by a keystroke's echo. */
    private static List<TerminalChannel> attachAll(BerthClient client, String id, List<String> ttys) throws Exception {
        List<TerminalChannel> opened = new ArrayList<>();
        for (String t : ttys) {
            CompletableFuture<Void> echoed = new CompletableFuture<>();
            TerminalChannel ch = client.openTerminal(id, t, 0, "bench-" + opened.size(), 0, new TerminalChannel.Listener() {
                @Override
                public void hello(long offset, long inputAccepted) {}

                @Override
                public void output(long offset, java.nio.ByteBuffer data) {
                    echoed.complete(null);
                }

                @Override
                public void exited(dev.berth.api.model.ExitStatus status, long endOffset) {}

                @Override
                public void closed(String why) {
                    echoed.completeExceptionally(new java.io.IOException(why));
                }
            });
            opened.add(ch);
            ch.input(new byte[] {'k'});
            echoed.get(30, TimeUnit.SECONDS);
        }
        return opened;
    }
}
