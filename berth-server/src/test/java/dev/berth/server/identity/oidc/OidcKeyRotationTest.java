package dev.berth.server.identity.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key rotation, which the mock provider cannot do: a provider of our own (discovery and a JWK set
 * we can change, counting fetches) shows that a token with a new {@code kid} makes the verifier
 * refetch once, and that refetches are rate-limited.
 */
class OidcKeyRotationTest {
    private HttpServer server;
    private final AtomicReference<JWKSet> published = new AtomicReference<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private URI issuer;
    private RSAKey first;

    @BeforeEach
    void start() throws Exception {
        first = new RSAKeyGenerator(2048).keyID("key-1").generate();
        published.set(new JWKSet(first.toPublicJWK()));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realm");
        server.createContext("/realm/.well-known/openid-configuration", x -> reply(x,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}"));
        // a document that speaks for another issuer than the one it is fetched for
        server.createContext("/impostor/.well-known/openid-configuration", x -> reply(x,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}"));
        server.createContext("/realm/jwks", x -> {
            jwksFetches.incrementAndGet();
            reply(x, published.get().toString());
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aNewKeyIdIsFetchedOnceAndMadeUpOnesAreRateLimited() throws Exception {
        try (OidcVerifier verifier = new OidcVerifier(OidcConfig.of(issuer, "berth-api"))) {
            assertThat(verifier.verify(token(first, "alice")).user()).isEqualTo("alice");
            assertThat(verifier.verify(token(first, "bob")).user()).isEqualTo("bob");
            assertThat(jwksFetches).as("the keys are cached").hasValue(1);

            // the provider rotates: the new key is published, the old one withdrawn
            RSAKey second = new RSAKeyGenerator(2048).keyID("key-2").generate();
            published.set(new JWKSet(second.toPublicJWK()));
            assertThat(verifier.verify(token(second, "carol")).user()).isEqualTo("carol");
            assertThat(jwksFetches).as("the unknown kid made the verifier refetch").hasValue(2);

            // a kid the provider never published: the rate limit (two fetches per interval) is used up
            RSAKey rogue = new RSAKeyGenerator(2048).keyID("key-3").generate();
            for (int i = 0; i < 3; i++) {
                String forged = token(rogue, "mallory-" + i);
                assertThatThrownBy(() -> verifier.verify(forged)).isInstanceOfSatisfying(TokenRejected.class,
                        e -> {
                            assertThat(e.reason()).isEqualTo(TokenRejected.Reason.UNKNOWN_KEY);
                            assertThat(e.getMessage()).contains("'key-3'");
                        });
            }
            assertThat(jwksFetches).as("no refetch within " + OidcVerifier.REFETCH_INTERVAL).hasValue(2);
            assertThat(verifier.verify(token(second, "dave")).user()).as("the current key still works").isEqualTo("dave");
        }
    }

    @Test
    void discoveryMustNameTheConfiguredIssuer() {
        URI other = URI.create(issuer.toString().replace("/realm", "/impostor"));
        assertThatThrownBy(() -> new OidcVerifier(OidcConfig.of(other, "berth-api")))
                .isInstanceOf(IOException.class).hasMessageContaining("names issuer '" + issuer + "'");
        assertThat(jwksFetches).hasValue(0);
    }

    private String token(RSAKey key, String subject) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(issuer.toString()).audience("berth-api").subject(subject)
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5)))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static void reply(HttpExchange x, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        try (var out = x.getResponseBody()) {
            out.write(body);
        }
    }
}
