package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.AuditRecord;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.testing.OidcProvider;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server accepting the JWTs of a real OIDC provider process, and refusing the ones it must. */
class OidcServerTest {
    private static final String AUDIENCE = "berth-api";

    @TempDir
    Path data;
    @TempDir
    Path work;

    @Test
    void providerTokensAreCallersAndBadOnesAreRefusedWithStableCodes() throws Exception {
        try (OidcProvider idp = OidcProvider.start(work)) {
            ServerConfig config = ServerConfig.defaults(data).withOidc(OidcConfig.of(idp.issuer(OidcProvider.ISSUER), AUDIENCE)
                    .withUserClaim("preferred_username").withRoleMapping(Map.of("berth-auditors", "auditor")));
            try (TestServer server = TestServer.start(config); BerthClient admin = server.client()) {
                String dana = idp.token(OidcProvider.ISSUER, AUDIENCE, Map.of("sub", "u-123", "preferred_username", "dana",
                        "groups", List.of("developers")));
                JsonNode who = json(call(server, dana, "/v1/whoami"));
                assertThat(who.get("user").asText()).isEqualTo("dana");
                assertThat(who.get("role").asText()).isEqualTo("user");
                assertThat(who.get("authMethod").asText()).isEqualTo("oidc");
                assertThat(call(server, dana, "/v1/sessions").statusCode()).isEqualTo(200);

                String auditor = idp.token(OidcProvider.ISSUER, AUDIENCE, Map.of("sub", "u-9", "preferred_username", "erik",
                        "groups", List.of("berth-auditors")));
                assertThat(json(call(server, auditor, "/v1/whoami")).get("role").asText()).isEqualTo("auditor");
                assertThat(call(server, auditor, "/v1/audit").statusCode()).isEqualTo(200);

                Map<String, Object> claims = Map.of("sub", "u-1", "preferred_username", "mallory");
                String expired = idp.token(OidcProvider.ISSUER, AUDIENCE, claims, OidcProvider.Validity.EXPIRED);
                String early = idp.token(OidcProvider.ISSUER, AUDIENCE, claims, OidcProvider.Validity.NOT_YET_VALID);
                String otherAudience = idp.token(OidcProvider.ISSUER, "someone-else", claims);
                String otherIssuer = idp.token(OidcProvider.OTHER_ISSUER, AUDIENCE, claims);
                String[] parts = dana.split("\\.");
                String unsigned = "eyJhbGciOiJub25lIn0." + parts[1] + ".";
                String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        new String(java.util.Base64.getUrlDecoder().decode(parts[1])).replace("dana", "root").getBytes())
                        + "." + parts[2];
                assertRefused(server, expired, 401, "token_expired");
                for (String bad : List.of(early, otherAudience, otherIssuer, unsigned, tampered)) {
                    assertRefused(server, bad, 401, "unauthorized");
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> logins(admin).size() >= 2);
                assertThat(logins(admin)).extracting(AuditRecord::principal).contains("dana", "erik");
                assertThat(admin.audit(Map.of("action", "auth.rejected"))).hasSizeGreaterThanOrEqualTo(6);
            }
        }
    }

    private static List<AuditRecord> logins(BerthClient admin) {
        return admin.audit(Map.of("action", "auth.login"));
    }

    private static void assertRefused(TestServer server, String token, int status, String code) throws Exception {
        HttpResponse<String> r = call(server, token, "/v1/whoami");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).get("error").get("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(r.body()).doesNotContain(token);
    }

    private static HttpResponse<String> call(TestServer server, String token, String path) throws Exception {
        return server.send("GET", path, null, "Authorization", "Bearer " + token);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
