package dev.berth.server.identity.oidc;

import static dev.berth.server.testing.OidcProvider.ISSUER;
import static dev.berth.server.testing.OidcProvider.OTHER_ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.berth.server.identity.oidc.TokenRejected.Reason;
import dev.berth.server.testing.OidcProvider;
import dev.berth.server.testing.OidcProvider.Validity;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens from a real OIDC provider (another process), and forgeries of them: which get in, and why the rest do not. */
class OidcVerifierTest {
    private static final String AUDIENCE = "berth-api";
    private static final Map<String, Object> ALICE = Map.of("sub", "u-1001", "preferred_username", "alice",
            "groups", List.of("developers", "berth-ops"));

    @TempDir
    static Path dir;

    static OidcProvider provider;
    static OidcVerifier verifier;

    @BeforeAll
    static void start() throws IOException {
        provider = OidcProvider.start(dir);
        verifier = new OidcVerifier(OidcConfig.of(provider.issuer(ISSUER), AUDIENCE)
                .withUserClaim("preferred_username")
                .withRoleMapping(Map.of("berth-ops", "operator", "berth-admins", "admin", "auditors", "auditor")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (verifier != null) {
            verifier.close();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void aValidTokenNamesTheUserTheirGroupsAndTheMappedRole() throws Exception {
        Instant before = Instant.now();
        VerifiedToken v = verifier.verify(provider.token(ISSUER, AUDIENCE, ALICE));
        assertThat(v.user()).isEqualTo("alice");
        assertThat(v.subject()).isEqualTo("u-1001");
        assertThat(v.groups()).containsExactly("developers", "berth-ops");
        assertThat(v.role()).isEqualTo("operator");
        assertThat(v.expiresAt()).isBetween(before.plus(OidcProvider.TOKEN_LIFETIME).minusSeconds(5),
                Instant.now().plus(OidcProvider.TOKEN_LIFETIME).plusSeconds(5));
    }

    @Test
    void theMostPrivilegedMappedGroupWinsAndNoMappedGroupMeansUser() throws Exception {
        assertThat(verifier.verify(provider.token(ISSUER, AUDIENCE, Map.of("sub", "a", "preferred_username", "a",
                "groups", List.of("auditors", "berth-admins", "berth-ops")))).role()).isEqualTo("admin");
        assertThat(verifier.verify(provider.token(ISSUER, AUDIENCE, Map.of("sub", "b", "preferred_username", "b",
                "groups", List.of("auditors")))).role()).isEqualTo("auditor");
        VerifiedToken plain = verifier.verify(provider.token(ISSUER, AUDIENCE, Map.of("sub", "c", "preferred_username", "c")));
        assertThat(plain.role()).isEqualTo("user");
        assertThat(plain.groups()).isEmpty();
    }

    @Test
    void aRepeatedTokenIsAnsweredFromTheCache() throws Exception {
        String token = provider.token(ISSUER, AUDIENCE, ALICE);
        VerifiedToken first = verifier.verify(token);
        assertThat(verifier.verify(token)).isSameAs(first);
    }

    @Test
    void expired() throws Exception {
        assertRejected(provider.token(ISSUER, AUDIENCE, ALICE, Validity.EXPIRED), Reason.EXPIRED);
    }

    @Test
    void notYetValid() throws Exception {
        assertRejected(provider.token(ISSUER, AUDIENCE, ALICE, Validity.NOT_YET_VALID), Reason.NOT_YET_VALID);
    }

    @Test
    void meantForAnotherService() throws Exception {
        assertRejected(provider.token(ISSUER, "another-api", ALICE), Reason.WRONG_AUDIENCE);
    }

    @Test
    void fromAnotherIssuerOfTheSameProvider() throws Exception {
        assertRejected(provider.token(OTHER_ISSUER, AUDIENCE, ALICE), Reason.WRONG_ISSUER);
    }

    @Test
    void unsigned() throws Exception {
        String token = new PlainJWT(claims().build()).serialize();
        assertThat(token).endsWith(".");
        assertRejected(token, Reason.UNSIGNED);
    }

    @Test
    void aChangedClaimUnderTheProvidersSignature() throws Exception {
        String[] parts = provider.token(ISSUER, AUDIENCE, ALICE).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"berth-ops\"");
        String forged = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.replace("\"berth-ops\"", "\"berth-admins\"").getBytes(StandardCharsets.UTF_8));
        assertRejected(parts[0] + "." + forged + "." + parts[2], Reason.BAD_SIGNATURE);
    }

    @Test
    void signedByAKeyTheProviderDoesNotHave() throws Exception {
        RSAKey rogue = new RSAKeyGenerator(2048).keyID("rogue-key").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rogue.getKeyID()).build(), claims().build());
        jwt.sign(new RSASSASigner(rogue));
        assertRejected(jwt.serialize(), Reason.UNKNOWN_KEY);
    }

    @Test
    void theProvidersKeyIdOnAnHmacSignature() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ISSUER).build(), claims().build());
        jwt.sign(new MACSigner(secret));
        assertRejected(jwt.serialize(), Reason.BAD_SIGNATURE);
    }

    @Test
    void notAJwtAtAll() {
        assertRejected("berth_notajwt", Reason.MALFORMED);
        assertRejected("a.b.c", Reason.MALFORMED);
    }

    @Test
    void discoveryRefusesADocumentForAnotherIssuer() {
        // the provider's document names ".../berth", so a configured ".../berth/" is another issuer
        URI withSlash = URI.create(provider.issuer(ISSUER) + "/");
        assertThatThrownBy(() -> new OidcVerifier(OidcConfig.of(withSlash, AUDIENCE)))
                .isInstanceOf(IOException.class).hasMessageContaining("names issuer '" + provider.issuer(ISSUER) + "'");
    }

    /** What a forger would put in: everything right except the signature. */
    private static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(provider.issuer(ISSUER).toString()).audience(AUDIENCE)
                .subject("u-1001").claim("preferred_username", "alice").claim("groups", List.of("berth-admins"))
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    private static void assertRejected(String token, Reason reason) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejected.class, e -> {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            assertThat(e.getMessage()).isNotBlank().doesNotContain(token);
            for (String part : token.split("\\.")) {
                if (part.length() > 8) {
                    assertThat(e.getMessage()).doesNotContain(part);
                }
            }
        });
    }
}
