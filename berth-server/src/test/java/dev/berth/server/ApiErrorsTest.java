package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every documented error code, produced by sending the bad input it names. */
class ApiErrorsTest {
    @TempDir
    static Path data;

    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(data);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        JsonNode error = Json.mapper().readTree(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void missingOrWrongTokenIsUnauthorized() throws Exception {
        assertError(server.send("GET", "/v1/sessions", null, "Accept", "*/*"), 401, "unauthorized");
        assertError(server.send("GET", "/v1/sessions", null, "Authorization", "Bearer nope"), 401, "unauthorized");
        assertError(server.send("GET", "/v1/nothing-here", null, "Authorization", "Basic YTpi"), 401, "unauthorized");
    }

    @Test
    void unknownRouteAndWrongMethod() throws Exception {
        assertError(server.send("GET", "/v1/nothing-here", null), 404, "route_not_found");
        assertError(server.send("PUT", "/v1/sessions", "{}"), 405, "method_not_allowed");
    }

    @Test
    void unknownSessionAndBadSessionId() throws Exception {
        assertError(server.send("GET", "/v1/sessions/no-such-session", null), 404, "session_not_found");
        assertError(server.send("POST", "/v1/sessions/no-such-session/commands", "{\"command\":\"true\"}"), 404,
                "session_not_found");
        assertError(server.send("GET", "/v1/sessions/Bad_ID!", null), 400, "invalid_session_id");
        assertError(server.send("POST", "/v1/sessions", "{\"id\":\"UPPER\"}"), 400, "invalid_session_id");
        assertError(server.send("POST", "/v1/sessions", "{\"id\":\"" + "a".repeat(64) + "\"}"), 400, "invalid_session_id");
        assertError(server.send("POST", "/v1/sessions", "{\"id\":\"../etc\"}"), 400, "invalid_session_id");
    }

    @Test
    void malformedJsonMissingAndInvalidFields() throws Exception {
        assertError(server.send("POST", "/v1/sessions", "{\"id\": "), 400, "malformed_json");
        assertError(server.send("POST", "/v1/sessions", "{} trailing"), 400, "malformed_json");
        assertError(server.send("POST", "/v1/sessions", "{\"limits\": {\"pids\": \"many\"}}"), 400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions", "{\"env\": {\"BAD NAME\": \"x\"}}"), 400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions", "{\"limits\": {\"memoryBytes\": 10}}"), 400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions", "[1,2]"), 400, "invalid_field");
    }

    @Test
    void oversizedBodyAndWrongMediaType() throws Exception {
        String huge = "{\"id\":\"x\",\"pad\":\"" + "x".repeat(9 << 20) + "\"}";
        assertError(server.send("POST", "/v1/sessions", huge), 413, "payload_too_large");
        assertError(server.send("POST", "/v1/sessions", "id=x", "Authorization", "Bearer " + server.token,
                "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    }

    @Test
    void aCallRefusedBeforeItsBodyIsReadClosesTheConnectionAndSaysSo() throws Exception {
        // the body is still on its way: the connection cannot carry another request, and the client must know
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.server.port())) {
            s.getOutputStream().write(("POST /v1/sessions/nope/stop HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + server.token + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000\r\n\r\n{\"a\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(20_000); // a missing answer fails the test instead of hanging it
            StringBuilder head = new StringBuilder();
            java.io.InputStream in = s.getInputStream();
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                assertThat(b).as("the answer's head, so far: " + head).isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 404").containsIgnoringCase("connection: close");
        }
    }

    @Test
    void healthSaysWhichDriverRuns() throws Exception {
        HttpResponse<String> r = server.send("GET", "/v1/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = Json.mapper().readTree(r.body());
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("driver").asText()).isEqualTo("namespaces");
    }
}
