package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's cookie sign-in: a token traded for an HttpOnly cookie that then authenticates
 * every call, and the rule that keeps other sites from using it: a cookie call that changes
 * something or opens a socket must come from a page of this server.
 */
class WebLoginTest {
    private static final String FOREIGN = "http://evil.example";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path data;

    TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(data);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private String origin() {
        return server.server.uri().toString();
    }

    private HttpResponse<String> login(String token) throws Exception {
        return server.send("POST", "/v1/web/login", "{\"token\":\"" + token + "\"}", "Content-Type", "application/json");
    }

    private static String cookieOf(HttpResponse<String> r) {
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        return set.substring(0, set.indexOf(';'));
    }

    @Test
    void aLoginSetsTheCookieAndTheCookieAuthenticates() throws Exception {
        HttpResponse<String> r = login(server.token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(r.body()).path("user").asText()).isEqualTo("admin");
        List<String> attributes = List.of(r.headers().firstValue("Set-Cookie").orElseThrow().split(";\\s*"));
        assertThat(attributes.getFirst()).isEqualTo("berth_token=" + server.token);
        assertThat(attributes).contains("Path=/", "HttpOnly", "SameSite=Strict").doesNotContain("Secure");

        HttpResponse<String> me = server.send("GET", "/v1/whoami", null, "Cookie", cookieOf(r));
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(me.body()).path("role").asText()).isEqualTo("admin");

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(logins()).anySatisfy(e -> {
            assertThat(e.path("principal").asText()).isEqualTo("admin");
            assertThat(e.path("outcome").asText()).isEqualTo("ok");
        }));
    }

    @Test
    void aBadTokenIsRefusedWithoutACookie() throws Exception {
        HttpResponse<String> r = login("berth_t_nobody_xyz");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(code(r)).isEqualTo("unauthorized");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        HttpResponse<String> empty = server.send("POST", "/v1/web/login", "{}", "Content-Type", "application/json");
        assertThat(code(empty)).isEqualTo("missing_field");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(logins())
                .anySatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("denied")));
        // a stale cookie is no way in either
        HttpResponse<String> me = server.send("GET", "/v1/whoami", null, "Cookie", "berth_token=berth_t_nobody_xyz");
        assertThat(me.statusCode()).isEqualTo(401);
    }

    @Test
    void aCookieCallThatChangesSomethingMustComeFromThisServer() throws Exception {
        String cookie = cookieOf(login(server.token));
        String body = "{\"user\":\"zoe\",\"role\":\"user\"}";
        HttpResponse<String> bare = server.send("POST", "/v1/tokens", body, "Cookie", cookie, "Content-Type", "application/json");
        assertThat(bare.statusCode()).isEqualTo(403);
        assertThat(code(bare)).isEqualTo("forbidden");
        assertThat(bare.body()).contains("cross-site request refused");
        HttpResponse<String> foreign = server.send("POST", "/v1/tokens", body, "Cookie", cookie,
                "Content-Type", "application/json", "Origin", FOREIGN);
        assertThat(code(foreign)).isEqualTo("forbidden");
        HttpResponse<String> otherPort = server.send("POST", "/v1/tokens", body, "Cookie", cookie,
                "Content-Type", "application/json", "Origin", "http://127.0.0.1:1");
        assertThat(code(otherPort)).isEqualTo("forbidden");
        HttpResponse<String> own = server.send("POST", "/v1/tokens", body, "Cookie", cookie,
                "Content-Type", "application/json", "Origin", origin());
        assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
        // a bearer caller is no browser: Origin means nothing to it
        HttpResponse<String> bearer = server.send("POST", "/v1/tokens", body, "Authorization", "Bearer " + server.token,
                "Content-Type", "application/json", "Origin", FOREIGN);
        assertThat(bearer.statusCode()).isEqualTo(201);
        // nor may another site sign a browser in
        HttpResponse<String> foreignLogin = server.send("POST", "/v1/web/login", "{\"token\":\"" + server.token + "\"}",
                "Content-Type", "application/json", "Origin", FOREIGN);
        assertThat(code(foreignLogin)).isEqualTo("forbidden");
        assertThat(foreignLogin.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void aCookieSocketMustComeFromThisServer() throws Exception {
        String cookie = cookieOf(login(server.token));
        String tty = "/v1/sessions/nope/commands/c-1/tty?client=web";
        assertThat(upgrade(tty, cookie, FOREIGN)).startsWith("HTTP/1.1 403").contains("cross-site request refused");
        assertThat(upgrade(tty, cookie, null)).startsWith("HTTP/1.1 403");
        // past the check: the session is looked for (and there is none)
        assertThat(upgrade(tty, cookie, origin())).startsWith("HTTP/1.1 404").contains("session_not_found");
    }

    @Test
    void aLogoutClearsTheCookie() throws Exception {
        HttpResponse<String> r = server.send("POST", "/v1/web/logout", null, "Cookie", cookieOf(login(server.token)),
                "Origin", origin());
        assertThat(r.statusCode()).isEqualTo(204);
        List<String> attributes = List.of(r.headers().firstValue("Set-Cookie").orElseThrow().split(";\\s*"));
        assertThat(attributes.getFirst()).isEqualTo("berth_token=");
        assertThat(attributes).contains("Path=/", "HttpOnly", "SameSite=Strict")
                .anySatisfy(a -> assertThat(a).isIn("Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    }

    /** A WebSocket handshake by hand (a browser's: cookie and Origin); the status line and what followed. */
    private String upgrade(String path, String cookie, String origin) throws Exception {
        try (Socket s = new Socket(server.server.uri().getHost(), server.server.uri().getPort())) {
            String host = server.server.uri().getHost() + ":" + server.server.uri().getPort();
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Cookie: " + cookie + "\r\n" + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder answer = new StringBuilder(in.readLine());
            long length = -1;
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).strip());
                }
            }
            char[] body = new char[(int) Math.max(0, length)];
            int read = 0;
            while (read < body.length) {
                int n = in.read(body, read, body.length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return answer.append('\n').append(body, 0, read).toString();
        }
    }

    /** The audit trail's web.login events (those durable yet). */
    private JsonNode logins() throws Exception {
        return Json.mapper().readTree(server.send("GET", "/v1/audit?action=web.login", null).body());
    }

    private static String code(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body()).path("error").path("code").asText();
    }
}
