package dev.berth.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private {@code ./berth serve} on its own data directory, for the measurements that kill and
 * restart a server (the one {@code scripts/bench} started is shared by the other sections). Its
 * output is appended to {@code DATA/serve.log}.
 */
public final class ServerProcess {
    private static final Pattern URL = Pattern.compile("\"url\"\\s*:\\s*\"([^\"]+)\"");
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final Path repo;
    private final Path data;
    private final List<String> serveOptions;
    private Process process;

    public ServerProcess(Path repo, Path data) {
        this(repo, data, List.of());
    }

    /** A server started with {@code serveOptions} added to {@code serve}'s command line. */
    public ServerProcess(Path repo, Path data, List<String> serveOptions) {
        this.repo = repo;
        this.data = data;
        this.serveOptions = List.copyOf(serveOptions);
    }

    public Path data() {
        return data;
    }

    /**
     * Starts the server and returns once it is ready: it writes {@code DATA/server.json} after its
     * start-up reconciliation and once it listens. A kill -9 leaves the previous one behind, so it is
     * removed first.
     */
    public void start() throws IOException, InterruptedException {
        Files.createDirectories(data);
        Files.deleteIfExists(data.resolve("server.json"));
        List<String> argv = new java.util.ArrayList<>(List.of(repo.resolve("berth").toString(), "--home", data.toString(),
                "serve", "--listen", "127.0.0.1:0"));
        argv.addAll(serveOptions);
        process = new ProcessBuilder(argv)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("serve.log").toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (url().isEmpty()) {
            if (!process.isAlive()) {
                throw new IOException("the server exited with " + process.exitValue() + ": " + log());
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("the server did not start in 120 s: " + log());
            }
            Thread.sleep(1); // the resolution of the figure, not a synchronisation: the file is the signal
        }
    }

    /** SIGKILL ({@code graceful} false) or SIGTERM to the server's JVM, and waits for its end. */
    public void stop(boolean graceful) throws IOException, InterruptedException {
        if (process == null) {
            return;
        }
        // the launcher execs java: a signal to anything else would miss the server
        if (!process.info().command().orElse("").endsWith("/java")) {
            throw new IOException("the server process is " + process.info().command().orElse("?") + ", not the JVM");
        }
        if (graceful) {
            process.destroy();
        } else {
            process.destroyForcibly();
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("the server survived " + (graceful ? "SIGTERM" : "SIGKILL") + " for 60 s");
        }
        process = null;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    public URI uri() throws IOException {
        return url().map(URI::create).orElseThrow(() -> new IOException("the server is not running"));
    }

    public String token() throws IOException {
        return Files.readString(data.resolve("admin.token")).strip();
    }

    /** The last "Started in ..." line of the log: how long each phase of the server's start took. */
    public String lastStartupPhases() throws IOException {
        List<String> lines = log().lines().filter(l -> l.startsWith("Started in ")).toList();
        return lines.isEmpty() ? "?" : lines.getLast().substring("Started in ".length());
    }

    private Optional<String> url() throws IOException {
        try {
            Matcher m = URL.matcher(Files.readString(data.resolve("server.json"), StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty(); // absent, or not yet written whole
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private String log() throws IOException {
        Path log = data.resolve("serve.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
