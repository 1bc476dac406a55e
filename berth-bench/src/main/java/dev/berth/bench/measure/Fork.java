package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ForkRequest;
import dev.berth.api.model.Limits;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/sessions/{id}/fork} of a workspace of ~1 GB in 102,400 files (100 directories of
 * 1,024 files of 10 KiB), answered when the copy runs: of a running and of a stopped session with a
 * workspace image (the default), and of a running session without a disk quota (a plain directory).
 * Next to {@code cp -a} of the same tree on the host, the tool a user would otherwise reach for.
 * Page-cached throughout (the tree was just written). Whether the image is cloned (reflink) or
 * copied depends on the file system of the server's data directory, named in the report.
 */
public final class Fork implements Measurement {
    private static final double TARGET_MS = 1000;
    private static final String FILL = "cd /mnt/workspace && mkdir tree && cd tree && for d in $(seq 0 99); do"
            + " mkdir d$d && head -c 10485760 /dev/urandom | split -b 10240 -a 4 -d - d$d/f || exit 1; done"
            + " && find . -type f | wc -l";

    private final URI server;
    private final String token;
    private final Path data;
    private final int runs;

    public Fork(URI server, String token, Path data, int runs) {
        this.server = server;
        this.token = token;
        this.data = data;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "fork";
    }

    @Override
    public void run(Report report) throws Exception {
        String fs = fileSystemOf(data);
        List<List<String>> rows = new ArrayList<>();
        try (BerthClient c = new BerthClient(server, token)) {
            String image = filled(c, "fork-image", null);
            Stats running = forks(c, image, runs);
            rows.add(Report.latencyRow("fork, running session, workspace image", running));
            // while the session runs its image is mounted on the host: the tree a user would cp
            Stats cp = cpA(data.resolve("sessions").resolve(image).resolve("workspace"));
            c.stopSession(image);
            Stats stopped = forks(c, image, runs);
            rows.add(Report.latencyRow("fork, stopped session, workspace image", stopped));
            rows.add(Report.latencyRow("`cp -a` of the same tree on the host", cp));
            c.deleteSession(image);
            String plain = filled(c, "fork-plain", 0L);
            // without reflinks this is a cp -a with the sandbox paused: one run tells enough
            rows.add(Report.latencyRow("fork, running session, plain directory (no quota)", forks(c, plain, 1)));
            c.deleteSession(plain);
            boolean met = running.p50() <= TARGET_MS && stopped.p50() <= TARGET_MS;
            report.heading(2, "Fork: 1 GB / 102,400 files (" + fs + " data directory)")
                    .table(Report.LATENCY_HEADER, rows)
                    .paragraph("Client-side time of `POST /v1/sessions/{id}/fork` until the copy's sandbox runs; "
                            + "each copy is deleted before the next run. Target: <= 1 s for a workspace image: "
                            + (met ? "**met**" : "**not met**") + " on " + fs + ".");
        } catch (Exception e) {
            report.heading(2, "Fork (" + fs + " data directory)").table(Report.LATENCY_HEADER, rows)
                    .paragraph("**failed** after these rows: " + e);
            throw e;
        }
    }

    /** A new session whose workspace holds the tree. */
    private static String filled(BerthClient c, String id, Long disk) throws Exception {
        c.createSession(CreateSessionRequest.of(id, null, new Limits(null, null, null, disk)));
        String files = run(c, id, FILL).strip();
        if (!files.equals("102400")) {
            throw new IOException("filling " + id + " made " + files + " files, not 102400");
        }
        return id;
    }

    private static Stats forks(BerthClient c, String source, int runs) throws Exception {
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            String copy = source + "-copy";
            long t = System.nanoTime();
            c.forkSession(source, new ForkRequest(copy, null));
            nanos[i] = System.nanoTime() - t;
            if (i == 0 && !run(c, copy, "find /mnt/workspace/tree -type f | wc -l").strip().equals("102400")) {
                throw new IOException("the copy of " + source + " is not complete");
            }
            c.deleteSession(copy);
        }
        return Stats.ofNanosAsMillis(nanos);
    }

    private Stats cpA(Path tree) throws Exception {
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            Path to = data.resolve("bench-cp");
            long t = System.nanoTime();
            exec(List.of("cp", "-a", tree.toString(), to.toString()));
            nanos[i] = System.nanoTime() - t;
            exec(List.of("rm", "-rf", to.toString()));
        }
        return Stats.ofNanosAsMillis(nanos);
    }

    private static void exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException(cmd + " failed: " + p.exitValue());
        }
    }

    /** A command's stdout; it must exit 0. */
    private static String run(BerthClient c, String session, String script) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = c.runCommand(session, new CommandRequest(script, null, null, null, null, null, 900L, null))) {
            FrameCodec.Reader reader = new FrameCodec.Reader(in);
            StreamFrame f;
            while ((f = reader.next()) != null) {
                switch (f) {
                    case StreamFrame.Output o -> (o.channel() == StreamFrame.Channel.STDOUT ? out : err).write(o.data());
                    case StreamFrame.Exit x -> {
                        if (x.status().code() != 0) {
                            throw new IOException(script + " failed: " + err.toString(StandardCharsets.UTF_8));
                        }
                        return out.toString(StandardCharsets.UTF_8);
                    }
                    default -> { }
                }
            }
        }
        throw new IOException("no exit frame for " + script);
    }

    /** The type of the file system {@code dir} is on ({@code ext4}, {@code xfs}, …), from /proc/self/mounts. */
    static String fileSystemOf(Path dir) throws IOException {
        String real = dir.toRealPath().toString();
        String type = "unknown";
        int best = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && (real.equals(f[1]) || real.startsWith(f[1].endsWith("/") ? f[1] : f[1] + "/"))
                    && f[1].length() > best) {
                best = f[1].length();
                type = f[2];
            }
        }
        return type;
    }
}
