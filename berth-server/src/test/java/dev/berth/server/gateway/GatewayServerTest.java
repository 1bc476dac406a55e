package dev.berth.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.server.testing.GatewayTap;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayServerTest {
    @TempDir
    Path dir;
    private GatewayTags tags;
    private GatewayServer gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        tags = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
        GatewaySessions sessions = tag -> tags.sessionOf(tag)
                .filter(id -> !id.equals("gone"))
                .map(id -> new GatewaySession(id, "alice", null, tags.modelKey(id)));
        Handler echo = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String body = GatewaySession.of(request).sessionId() + " " + Request.getPathInContext(request);
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
        gateway = new GatewayServer(dir.resolve("gateway.sock"), sessions,
                List.of(new GatewayServer.Mount("/echo", echo)), null);
        gateway.start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpResponse<String> get(GatewayTap tap, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(tap.uri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGenuineTagNamesTheSessionForTheService() throws Exception {
        try (GatewayTap tap = new GatewayTap(gateway.socket(), tags.connectionTag("s-1"))) {
            HttpResponse<String> r = get(tap, "/echo/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("s-1 /echo/x");
            assertThat(get(tap, "/nothing").body()).contains("route_not_found");
        }
    }

    @Test
    void aForgedTagAStoppedSessionOrNoTagAreRefused() throws Exception {
        String forged = "s-1." + tags.connectionTag("s-2").substring("s-2.".length());
        for (String tag : new String[] {forged, tags.connectionTag("gone"), "s-1", null}) {
            try (GatewayTap tap = new GatewayTap(gateway.socket(), tag)) {
                HttpResponse<String> r = get(tap, "/echo/x");
                assertThat(r.statusCode()).as("tag %s", tag).isEqualTo(403);
                assertThat(r.body()).contains("gateway_unknown_session");
            }
        }
    }

    @Test
    void tagsAndKeysSurviveARestartAndDifferPerSession() throws Exception {
        GatewayTags again = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
        assertThat(again.connectionTag("s-1")).isEqualTo(tags.connectionTag("s-1"));
        assertThat(again.modelKey("s-1")).isEqualTo(tags.modelKey("s-1")).isNotEqualTo(tags.modelKey("s-2"));
        assertThat(again.sessionOf(tags.connectionTag("s-1"))).isEqualTo(Optional.of("s-1"));
        GatewayTags other = GatewayTags.loadOrCreate(dir.resolve("other.key"));
        assertThat(other.sessionOf(tags.connectionTag("s-1"))).isEmpty();
    }
}
