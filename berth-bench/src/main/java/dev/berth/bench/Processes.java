package dev.berth.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the local and ssh baselines (and the berth CLI) as a user's shell would: fork, exec, wait. */
public final class Processes {
    /** stdout of a pipe, counted with the same reader for every variant so the counter costs the same. */
    public record Counted(long bytes, long nanos) {}

    private static final int COUNT_BUFFER = 256 << 10;

    private Processes() {}

    /** Wall time from start to exit, output discarded; fails on a non-zero exit. */
    public static long time(List<String> argv, Path dir, Duration timeout) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("berth-bench", ".err");
        try {
            ProcessBuilder pb = builder(argv, dir, stderr).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            long t0 = System.nanoTime();
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long t1 = System.nanoTime();
            check(argv, p, done, stderr);
            return t1 - t0;
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /** Runs {@code argv} with stdout into a pipe this process drains and counts, like {@code | wc -c}. */
    public static Counted countStdout(List<String> argv, Path dir, Duration timeout) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("berth-bench", ".err");
        try {
            ProcessBuilder pb = builder(argv, dir, stderr);
            byte[] buf = new byte[COUNT_BUFFER];
            long bytes = 0;
            long t0 = System.nanoTime();
            Process p = pb.start();
            // a hung child must not hang the bench: kill it at the deadline, which ends the read below
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(p::destroyForcibly);
            try (InputStream in = p.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                }
            }
            boolean done = p.waitFor(5, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            check(argv, p, done, stderr);
            return new Counted(bytes, t1 - t0);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /** stdout and stderr of a short command, for the machine description. */
    public static String output(List<String> argv) {
        return output(argv, Map.of());
    }

    /** stdout and stderr of a short command run with {@code env} added to this process's environment. */
    public static String output(List<String> argv, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** stdin from /dev/null; stderr to a file, so that a failure can say why without cluttering the report. */
    private static ProcessBuilder builder(List<String> argv, Path dir, Path stderr) {
        return new ProcessBuilder(argv).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(stderr.toFile());
    }

    private static void check(List<String> argv, Process p, boolean done, Path stderr) throws IOException {
        if (!done) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", argv));
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", argv) + ": " + Files.readString(stderr).strip());
        }
    }
}
