package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.Json;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.testing.OidcProvider;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's "Log in with OIDC" against a real provider process: the browser's part (following
 * redirects, keeping cookies) is played by hand so each step can be checked.
 */
class OidcWebLoginTest {
    private static final String CLIENT = "berth-console";

    @TempDir
    Path data;
    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void theCodeFlowEndsWithASignInCookieAndOnlyFromTheBrowserThatStartedIt() throws Exception {
        try (OidcProvider idp = OidcProvider.start(work)) {
            ServerConfig config = ServerConfig.defaults(data).withOidc(OidcConfig.of(idp.issuer(OidcProvider.ISSUER),
                    OidcProvider.LOGIN_AUDIENCE).withWebClientId(CLIENT));
            try (TestServer server = TestServer.start(config)) {
                assertThat(Json.mapper().readTree(get(server.uri("/v1/web/config"), null).body()).get("oidcLogin").asBoolean())
                        .isTrue();

                HttpResponse<String> start = get(server.uri("/v1/web/oidc/login?next=/sessions/demo"), null);
                assertThat(start.statusCode()).isEqualTo(303);
                URI authorize = URI.create(start.headers().firstValue("Location").orElseThrow());
                assertThat(authorize.toString()).startsWith(idp.issuer(OidcProvider.ISSUER) + "/authorize?")
                        .contains("client_id=" + CLIENT).contains("code_challenge_method=S256")
                        .contains("redirect_uri=" + java.net.URLEncoder.encode(server.uri("/v1/web/oidc/callback").toString(),
                                StandardCharsets.UTF_8));
                String stateCookie = cookie(start, "berth_oidc_state").orElseThrow();

                // the provider signs the user in and sends the browser back with a code
                URI back = URI.create(get(authorize, null).headers().firstValue("Location").orElseThrow());
                assertThat(back.getPath()).isEqualTo("/v1/web/oidc/callback");

                // without the state cookie (another browser, a forged link): refused, nothing signed in
                HttpResponse<String> forged = get(back, null);
                assertThat(forged.statusCode()).isEqualTo(303);
                assertThat(forged.headers().firstValue("Location").orElseThrow()).startsWith("/login?error=");
                assertThat(cookie(forged, "berth_token")).isEmpty();

                // the state was used up by the forged attempt: a real login starts again
                start = get(server.uri("/v1/web/oidc/login?next=/sessions/demo"), null);
                stateCookie = cookie(start, "berth_oidc_state").orElseThrow();
                back = URI.create(get(URI.create(start.headers().firstValue("Location").orElseThrow()), null)
                        .headers().firstValue("Location").orElseThrow());
                HttpResponse<String> done = get(back, "berth_oidc_state=" + stateCookie);
                assertThat(done.statusCode()).as(done.body()).isEqualTo(303);
                assertThat(done.headers().firstValue("Location")).hasValue("/sessions/demo");
                String setCookie = done.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("berth_token="))
                        .findFirst().orElseThrow();
                assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
                String jwt = cookie(done, "berth_token").orElseThrow();

                HttpResponse<String> who = http.send(HttpRequest.newBuilder(server.uri("/v1/whoami"))
                        .header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(Json.mapper().readTree(who.body()).get("user").asText()).isEqualTo(OidcProvider.LOGIN_USER);

                // a used code and state cannot sign in twice
                HttpResponse<String> replay = get(back, "berth_oidc_state=" + stateCookie);
                assertThat(replay.headers().firstValue("Location").orElseThrow()).startsWith("/login?error=");
                assertThat(cookie(replay, "berth_token")).isEmpty();
            }
        }
    }

    @Test
    void theLoginNeverRedirectsOffThisServerAndIsAbsentWithoutAClientId() throws Exception {
        assertThat(dev.berth.server.web.OidcWebLogin.safeNext("//evil.example/x")).isEqualTo("/");
        assertThat(dev.berth.server.web.OidcWebLogin.safeNext("https://evil.example")).isEqualTo("/");
        assertThat(dev.berth.server.web.OidcWebLogin.safeNext("/\\evil.example")).isEqualTo("/");
        assertThat(dev.berth.server.web.OidcWebLogin.safeNext("/audit?x=1")).isEqualTo("/audit?x=1");
        try (TestServer server = TestServer.start(data)) {
            assertThat(Json.mapper().readTree(get(server.uri("/v1/web/config"), null).body()).get("oidcLogin").asBoolean())
                    .isFalse();
            HttpResponse<String> r = get(server.uri("/v1/web/oidc/login"), null);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("route_not_found");
        }
    }

    private HttpResponse<String> get(URI uri, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<String> cookie(HttpResponse<?> r, String name) {
        List<String> all = r.headers().allValues("Set-Cookie");
        return all.stream().filter(c -> c.startsWith(name + "=")).map(c -> c.substring(name.length() + 1).split(";", 2)[0])
                .filter(v -> !v.isEmpty()).map(v -> URLDecoder.decode(v, StandardCharsets.UTF_8)).findFirst();
    }
}
