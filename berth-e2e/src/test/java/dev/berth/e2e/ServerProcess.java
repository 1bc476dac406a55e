package dev.berth.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code ./berth serve} as a separate process on a free loopback port. */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final Path log;
    private final Path data;
    private BerthClient client;

    private ServerProcess(Process process, Path log, Path data) {
        this.process = process;
        this.log = log;
        this.data = data;
    }

    /**
     * Starts a server on {@code data} and waits until it is ready (it writes DATA/server.json after
     * reconciling). Its output is appended to DATA/serve.log, so restarts keep earlier servers' logs.
     */
    static ServerProcess start(Cli cli, Path data) throws IOException {
        return start(cli, data, 0);
    }

    /** The same on a given port (0: a free one), e.g. the port of the server it replaces. */
    static ServerProcess start(Cli cli, Path data, int port, String... options) throws IOException {
        Files.createDirectories(data);
        Path log = data.resolve("serve.log");
        Files.deleteIfExists(data.resolve("server.json"));
        Files.writeString(log, "--- e2e: berth serve starting at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--listen", "127.0.0.1:" + port));
        args.addAll(List.of(options));
        Process p = cli.builder(args)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ServerProcess server = new ServerProcess(p, log, data);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("server exited: " + Files.readString(log));
            }
            return Files.exists(data.resolve("server.json"));
        });
        return server;
    }

    /** Where the server listens, as it wrote in DATA/server.json. */
    URI url() throws IOException {
        JsonNode info = Json.mapper().readTree(Files.readAllBytes(data.resolve("server.json")));
        return URI.create(info.get("url").asText());
    }

    /** An API client with the admin token; closed with the server. */
    synchronized BerthClient client() throws IOException {
        if (client == null) {
            client = new BerthClient(url(), Files.readString(data.resolve("admin.token")).strip());
        }
        return client;
    }

    /** SIGKILL to the server's JVM (the launcher execs java, so the process is the JVM), and waits for its end. */
    void kill9() throws InterruptedException {
        String command = process.info().command().orElse("");
        if (!command.endsWith("/java")) {
            throw new AssertionError("the server process is " + command + ", not the JVM: a kill would miss it");
        }
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("server pid " + process.pid() + " survived SIGKILL for 30 s");
        }
        closeClient();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        closeClient();
    }

    private synchronized void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
