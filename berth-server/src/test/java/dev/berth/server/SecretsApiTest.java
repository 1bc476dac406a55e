package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.AuditRecord;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.Role;
import dev.berth.server.config.SecretsPolicy;
import dev.berth.server.config.ServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/secrets}: admins only, values in and never out, not in the audit trail nor on disk. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsApiTest {
    private static final String VALUE = "Canary-Secret-7Q2x9Lm4";

    @TempDir
    static Path data;
    @TempDir
    static Path keys;

    TestServer server;
    String userToken;
    /** every role but admin */
    final Map<String, String> others = new java.util.LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(ServerConfig.defaults(data).withSecrets(SecretsPolicy.keyFile(keys.resolve("secrets.key"))));
        try (BerthClient admin = server.client()) {
            userToken = admin.createToken(new CreateTokenRequest("ursula", Role.USER, null, null, null)).secret();
            others.put("user", userToken);
            others.put("operator", admin.createToken(new CreateTokenRequest("olga", Role.OPERATOR, null, null, null)).secret());
            others.put("auditor", admin.createToken(new CreateTokenRequest("audrey", Role.AUDITOR, null, null, null)).secret());
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String token, byte[] body, String contentType)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String name, byte[] value) throws Exception {
        return call("PUT", "/v1/secrets/" + name, server.token, value, "application/octet-stream");
    }

    private static String code(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body()).path("error").path("code").asText();
    }

    @Test
    void anAdminSetsListsAndRemovesAndNoAnswerCarriesTheValue() throws Exception {
        HttpResponse<String> created = put("anthropic-key", VALUE.getBytes(StandardCharsets.UTF_8));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode info = Json.mapper().readTree(created.body());
        assertThat(info.get("name").asText()).isEqualTo("anthropic-key");
        assertThat(info.get("updatedBy").asText()).isEqualTo("admin");
        assertThat(put("anthropic-key", VALUE.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);

        HttpResponse<String> list = call("GET", "/v1/secrets", server.token, null, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("anthropic-key").doesNotContain(VALUE).doesNotContain("ciphertext").doesNotContain("nonce");
        JsonNode first = Json.mapper().readTree(list.body()).get(0);
        assertThat(first.properties().stream().map(Map.Entry::getKey))
                .containsExactlyInAnyOrder("name", "createdAt", "updatedAt", "updatedBy");
        assertThat(call("GET", "/v1/secrets/anthropic-key", server.token, null, null).statusCode())
                .as("there is no route that reads a value").isEqualTo(405);

        HttpResponse<String> removed = call("DELETE", "/v1/secrets/anthropic-key", server.token, null, null);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(removed.body()).doesNotContain(VALUE);
        HttpResponse<String> again = call("DELETE", "/v1/secrets/anthropic-key", server.token, null, null);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(code(again)).isEqualTo("secret_not_found");
    }

    @Test
    void onlyAdminsMaySeeOrChangeSecretsAndRefusalsAreAudited() throws Exception {
        put("admins-only", VALUE.getBytes(StandardCharsets.UTF_8));
        for (var role : others.entrySet()) {
            for (String[] c : List.of(new String[] {"PUT", "/v1/secrets/admins-only"}, new String[] {"GET", "/v1/secrets"},
                    new String[] {"DELETE", "/v1/secrets/admins-only"})) {
                HttpResponse<String> r = call(c[0], c[1], role.getValue(), c[0].equals("PUT") ? "x".getBytes() : null,
                        c[0].equals("PUT") ? "application/octet-stream" : null);
                assertThat(r.statusCode()).as(role.getKey() + " " + c[0] + " " + c[1]).isEqualTo(403);
                assertThat(code(r)).isEqualTo("forbidden");
            }
        }
        try (BerthClient admin = server.client()) {
            assertThat(admin.listSecrets()).extracting(s -> s.name()).contains("admins-only"); // still there
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<AuditRecord> denied = admin.audit(Map.of("user", "ursula", "action", "secret.rm"));
                assertThat(denied).singleElement().satisfies(e -> {
                    assertThat(e.outcome()).isEqualTo("denied");
                    assertThat(e.resource()).isEqualTo("secret/admins-only");
                });
            });
        }
    }

    @Test
    void badNamesOversizedAndMistypedBodiesAreRefused() throws Exception {
        for (String bad : List.of("-dash", ".dot", "x".repeat(129), "spa%20ce", "%C3%BC")) {
            HttpResponse<String> r = put(bad, "v".getBytes());
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(code(r)).as(bad).isEqualTo("invalid_secret_name");
        }
        assertThat(code(call("DELETE", "/v1/secrets/-dash", server.token, null, null))).isEqualTo("invalid_secret_name");

        byte[] max = new byte[64 << 10];
        Arrays.fill(max, (byte) 'a');
        assertThat(put("just-fits", max).statusCode()).isEqualTo(201);
        HttpResponse<String> tooBig = put("too-big", Arrays.copyOf(max, max.length + 1));
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(code(tooBig)).isEqualTo("payload_too_large");
        assertThat(code(put("empty", new byte[0]))).isEqualTo("invalid_field");
        HttpResponse<String> json = call("PUT", "/v1/secrets/as-json", server.token, "{\"value\":\"x\"}".getBytes(), "application/json");
        assertThat(json.statusCode()).isEqualTo(415);
        try (BerthClient admin = server.client()) {
            assertThat(admin.listSecrets()).extracting(s -> s.name()).doesNotContain("too-big", "empty", "as-json");
        }
    }

    @Test
    void theValueIsNeitherInTheAuditTrailNorAnywhereInTheDataDirectory() throws Exception {
        put("redacted-one", VALUE.getBytes(StandardCharsets.UTF_8));
        // someone pastes the value where an audited call echoes it: a session id
        HttpResponse<String> echoed = call("POST", "/v1/sessions", server.token,
                ("{\"id\":\"" + VALUE + "\"}").getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(code(echoed)).isEqualTo("invalid_session_id");
        try (BerthClient admin = server.client()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<AuditRecord> set = admin.audit(Map.of("action", "secret.set"));
                assertThat(set).anySatisfy(e -> {
                    assertThat(e.resource()).isEqualTo("secret/redacted-one");
                    assertThat(e.details()).containsEntry("name", "redacted-one");
                });
                List<AuditRecord> create = admin.audit(Map.of("action", "session.create"));
                assertThat(create).anySatisfy(e -> {
                    assertThat(e.outcome()).isEqualTo("error:invalid_session_id");
                    assertThat(String.valueOf(e.details().get("message"))).contains("[redacted]").doesNotContain(VALUE);
                });
            });
        }
        try (Stream<Path> files = Files.walk(data)) {
            // spare workspace images (*.img, sparse, gigabytes) are made empty, before any secret exists
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".img")).toList()) {
                String bytes;
                try {
                    bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue; // a temporary file the server has since renamed
                }
                assertThat(bytes.contains(VALUE)).as(f + " holds the value").isFalse();
            }
        }
        assertThat(keys.resolve("secrets.key")).exists();
        assertThat(Files.readString(keys.resolve("secrets.key"))).doesNotContain(VALUE);
    }
}
