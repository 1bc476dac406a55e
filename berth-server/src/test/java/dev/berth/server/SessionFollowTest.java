package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.Role;
import dev.berth.api.model.ShareRequest;
import dev.berth.server.config.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/sessions?follow=true}: the visible sessions, then their changes, as JSON lines. */
@Timeout(120)
class SessionFollowTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path data;

    TestServer server;
    BerthClient admin;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(ServerConfig.defaults(data).withStreamHeartbeat(Duration.ofMillis(300)));
        server.assumeSandboxes();
        admin = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        server.removeSessionsAndClose();
        http.close();
    }

    @Test
    void aCreateThenAStopThenARemoval() throws Exception {
        admin.createSession(CreateSessionRequest.of("before", null, null));
        try (Follow f = follow(server.token)) {
            f.await("the session there before", l -> isSession(l, "before", "running"));
            f.await("the snapshot complete", l -> l.path("type").asText().equals("ready"));
            admin.createSession(CreateSessionRequest.of("live", null, null));
            JsonNode running = f.await("the new session running", l -> isSession(l, "live", "running"));
            assertThat(running.path("session").path("memoryUsedBytes").asLong()).isPositive();
            admin.stopSession("live");
            JsonNode stopped = f.await("the session stopped", l -> isSession(l, "live", "stopped"));
            assertThat(stopped.path("session").has("memoryUsedBytes")).isFalse();
            admin.deleteSession("live");
            f.await("the session removed", l -> l.path("type").asText().equals("removed")
                    && l.path("id").asText().equals("live"));
            f.await("a heartbeat while quiet", l -> l.path("type").asText().equals("heartbeat"));
        }
    }

    @Test
    void aCallerSeesOnlyWhatTheyMayUseAndLosesWhatIsNoLongerShared() throws Exception {
        String bob = admin.createToken(new CreateTokenRequest("bob", Role.USER, null, null, null)).secret();
        admin.createSession(CreateSessionRequest.of("admins", null, null));
        try (BerthClient asBob = new BerthClient(server.server.uri(), bob); Follow f = follow(bob)) {
            asBob.createSession(CreateSessionRequest.of("bobs", null, null));
            f.await("bob's own session", l -> isSession(l, "bobs", "running"));
            admin.share("admins", new ShareRequest(List.of("bob"), null), true);
            f.await("the session shared with him", l -> isSession(l, "admins", "running"));
            admin.share("admins", new ShareRequest(List.of("bob"), null), false);
            f.await("the session no longer shared", l -> l.path("type").asText().equals("removed")
                    && l.path("id").asText().equals("admins"));
            assertThat(f.lines.subList(0, f.lines.indexOf(f.first(l -> isSession(l, "admins", "running")))))
                    .noneMatch(l -> l.path("session").path("id").asText().equals("admins"));
        }
    }

    private static boolean isSession(JsonNode line, String id, String state) {
        return line.path("type").asText().equals("session") && line.path("session").path("id").asText().equals(id)
                && line.path("session").path("state").asText().equals(state);
    }

    private Follow follow(String token) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(server.uri("/v1/sessions?follow=true"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        return new Follow(r.body());
    }

    /** The lines of one follow, read as they come. */
    private static final class Follow implements AutoCloseable {
        final List<JsonNode> lines = new CopyOnWriteArrayList<>();
        private final InputStream body;

        Follow(InputStream body) {
            this.body = body;
            Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(Json.mapper().readTree(line));
                    }
                } catch (Exception closed) {
                    // the test is done with it
                }
            });
        }

        JsonNode first(java.util.function.Predicate<JsonNode> p) {
            return lines.stream().filter(p).findFirst().orElse(null);
        }

        JsonNode await(String what, java.util.function.Predicate<JsonNode> p) {
            return org.awaitility.Awaitility.await(what).atMost(PATIENCE).until(() -> first(p), l -> l != null);
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }
}
