package dev.berth.bench.measure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.CommandStream;
import dev.berth.bench.ProcMemory;
import dev.berth.bench.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    public TtyMemory(BenchSessions sessions, Path data, int count) {
        this.sessions = sessions;
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
        JsonNode server = Json.mapper().readTree(data.resolve("server.json").toFile());
        long pid = server.get("pid").asLong();
        List<String> ttys = new ArrayList<>();
        List<CommandStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ttys.add(sessions.api().startTty(id, List.of("cat")));
            }
            for (CommandStream warm : attachAll(id, ttys.subList(0, Math.min(5, ttys.size())))) {
                warm.close(); // the path warmed once, so that its first use does not count as memory per terminal
            }
            long before = ProcMemory.of(pid).rssKiB();
            streams.addAll(attachAll(id, ttys));
            long after = ProcMemory.of(pid).rssKiB();
            double perTty = (after - before) / (double) count;
            report.heading(2, "10. Server memory per idle attached terminal")
                    .paragraph(count + " terminals running `cat` in one session; the server JVM's `VmRSS` before and "
                            + "after one h2c output stream was opened on each (and a keystroke echoed through it).")
                    .bullets(List.of("server RSS " + before + " KiB → " + after + " KiB: **" + Report.num(perTty, 0)
                            + " KiB per attached terminal**; target ≤ " + Report.num(TARGET_KIB, 0) + " KiB: **"
                            + (perTty <= TARGET_KIB ? "met" : "missed") + "**"));
        } finally {
            for (CommandStream s : streams) {
                s.close();
            }
            sessions.delete(id);
        }
    }

    /** One stream on each terminal, each shown to flow by a keystroke's echo. */
    private List<CommandStream> attachAll(String id, List<String> ttys) throws Exception {
        List<CommandStream> opened = new ArrayList<>();
        for (String t : ttys) {
            CommandStream s = sessions.api().attach(id, t, 0);
            opened.add(s);
            sessions.api().input(id, t, new byte[] {'k'});
            s.awaitOutput();
        }
        return opened;
    }
}
