package dev.berth.runtimes.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real registry (docker/distribution, Debian's {@code docker-registry}) on a free loopback port,
 * storing into a temporary directory, stopped on close. Tests that need it are skipped, with the
 * reason, where it is not installed ({@code scripts/test-deps} installs it).
 */
public final class TestRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private TestRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static Optional<Path> binary() {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .map(d -> Path.of(d, "docker-registry")).filter(Files::isExecutable).findFirst();
    }

    public static void assumeInstalled() {
        assumeTrue(binary().isPresent(), "docker-registry is not installed: run scripts/test-deps as root");
    }

    /**
     * Starts a registry; {@code authYaml} is the config's {@code auth:} section, indented by two
     * spaces, or empty for an open registry.
     */
    public static TestRegistry start(Path dir, String authYaml) throws IOException {
        assumeInstalled();
        int port = freePort();
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port) + (authYaml.isEmpty() ? "" : "auth:\n" + authYaml));
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(binary().orElseThrow().toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TestRegistry registry = new TestRegistry(p, port, log);
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
                }
                int status = http.send(HttpRequest.newBuilder(registry.uri("/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                return status == 200 || status == 401;
            });
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** A registry that wants {@code user}'s login (HTTP Basic, an {@code htpasswd -B} file). */
    public static TestRegistry startWithLogin(Path dir, String user, String password) throws IOException, InterruptedException {
        Path htpasswd = dir.resolve("htpasswd");
        Process p;
        try {
            p = new ProcessBuilder("htpasswd", "-Bbn", user, password).redirectError(dir.resolve("htpasswd.err").toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "htpasswd (apache2-utils) is not installed: run scripts/test-deps as root");
            throw e;
        }
        String line = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || line.isEmpty()) {
            throw new IOException("htpasswd failed: " + Files.readString(dir.resolve("htpasswd.err")));
        }
        Files.writeString(htpasswd, line + "\n");
        return start(dir, """
                  htpasswd:
                    realm: berth-test
                    path: %s
                """.formatted(htpasswd));
    }

    /** The {@code Authorization} header of that login. */
    public static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    public URI uri(String path) {
        return URI.create("http://" + host() + path);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
