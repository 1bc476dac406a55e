package dev.berth.server;

import dev.berth.api.client.BerthClient;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.lifecycle.LifecyclePolicy;
import dev.berth.server.lifecycle.Lifetime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real server on a free loopback port with its own data directory, plus a raw HTTP/1.1 client. */
final class TestServer implements AutoCloseable {
    final Path data;
    final BerthServer server;
    final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestServer(Path data, BerthServer server) throws IOException {
        this.data = data;
        this.server = server;
        this.token = Files.readString(data.resolve("admin.token")).strip();
    }

    static TestServer start(Path data) throws Exception {
        return start(data, LifecyclePolicy.DEFAULTS);
    }

    static TestServer start(Path data, LifecyclePolicy lifecycle) throws Exception {
        return start(ServerConfig.defaults(data).withLifecycle(lifecycle));
    }

    /** {@code config} on a free loopback port. */
    static TestServer start(ServerConfig config) throws Exception {
        return new TestServer(config.dataDir(), BerthServer.start(config.withListen("127.0.0.1", 0)));
    }

    /** Lifetime settings in seconds (0: never / none), with the given default disk quota. */
    static LifecyclePolicy lifecycle(long idleSeconds, long retentionSeconds, long maxLifetimeSeconds, long diskBytes) {
        return new LifecyclePolicy(new Lifetime(Duration.ofSeconds(idleSeconds), Duration.ofSeconds(retentionSeconds),
                Duration.ofSeconds(maxLifetimeSeconds)), diskBytes);
    }

    /** Skips the calling test, saying why, when this host cannot run sandboxes. */
    void assumeSandboxes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(server.driver().unavailableReason().isEmpty(),
                () -> "sandboxes unavailable: " + server.driver().unavailableReason().orElseThrow());
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length == 0) {
            b.header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client of this server, as the admin. */
    BerthClient client() {
        return new BerthClient(server.uri(), token);
    }

    /**
     * Removes every session, then stops the server. Sessions outlive a plain {@link #close} by
     * design (a restart re-adopts them), so a test that is done with its sandboxes ends this way.
     */
    void removeSessionsAndClose() throws Exception {
        try (BerthClient c = client()) {
            for (var s : c.listSessions()) {
                c.deleteSession(s.id());
            }
        } finally {
            close();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
