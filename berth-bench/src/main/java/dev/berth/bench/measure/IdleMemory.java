package dev.berth.bench.measure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.ProcMemory;
import dev.berth.bench.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Host memory of idle running sessions: each one's supervisor ({@code state/shim.pid}) plus its
 * sandbox init ({@code state/init.pid}). The server's JVM is shared by all sessions and reported
 * apart.
 */
public final class IdleMemory implements Measurement {
    private static final double TARGET_MIB = 5;
    /** Let start-up allocations settle before reading. */
    private static final long SETTLE_MILLIS = 2000;

    private final BenchSessions sessions;
    private final Path data;
    private final int count;

    public IdleMemory(BenchSessions sessions, Path data, int count) {
        this.sessions = sessions;
        this.data = data;
        this.count = count;
    }

    @Override
    public String section() {
        return "memory";
    }

    @Override
    public void run(Report report) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(sessions.create("mem-" + i));
        }
        Thread.sleep(SETTLE_MILLIS);
        ProcMemory shims = new ProcMemory(0, 0);
        ProcMemory inits = new ProcMemory(0, 0);
        for (String id : ids) {
            Path state = data.resolve("sessions").resolve(id).resolve("state");
            shims = shims.plus(ProcMemory.of(pid(state.resolve("shim.pid"))));
            inits = inits.plus(ProcMemory.of(pid(state.resolve("init.pid"))));
        }
        JsonNode server = Json.mapper().readTree(data.resolve("server.json").toFile());
        ProcMemory jvm = ProcMemory.of(server.get("pid").asLong());
        for (String id : ids) {
            sessions.delete(id);
        }

        ProcMemory both = shims.plus(inits);
        double pssMiB = both.pssKiB() / 1024.0 / count;
        report.heading(2, "4. Host memory per idle running session")
                .paragraph(count + " sessions created, then read " + SETTLE_MILLIS / 1000 + " s later: `VmRSS` from "
                        + "`/proc/PID/status` and `Pss` from `/proc/PID/smaps_rollup` of each session's `shim.pid` and "
                        + "`init.pid`. Averages per session.")
                .table(List.of("per session", "RSS KiB", "PSS KiB"), List.of(
                        List.of("berth-shim (supervisor)", kib(shims.rssKiB()), kib(shims.pssKiB())),
                        List.of("sandbox init", kib(inits.rssKiB()), kib(inits.pssKiB())),
                        List.of("**total**", "**" + kib(both.rssKiB()) + "**", "**" + kib(both.pssKiB()) + "**")))
                .bullets(List.of(
                        "per session: " + Report.num(both.rssKiB() / 1024.0 / count, 2) + " MiB RSS, "
                                + Report.num(pssMiB, 2) + " MiB PSS; target ≤ " + Report.num(TARGET_MIB, 0) + " MiB: **"
                                + (pssMiB <= TARGET_MIB ? "met" : "missed") + "** (PSS)",
                        "the server JVM, shared by all sessions: " + Report.num(jvm.rssKiB() / 1024.0, 1) + " MiB RSS, "
                                + Report.num(jvm.pssKiB() / 1024.0, 1) + " MiB PSS"));
    }

    private String kib(long total) {
        return Report.num((double) total / count, 0);
    }

    private static long pid(Path file) throws Exception {
        return Long.parseLong(Files.readString(file).strip());
    }
}
