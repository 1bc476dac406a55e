package dev.berth.server.identity.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.berth.server.identity.oidc.TokenRejected.Reason;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The claim rules and the verified-token cache at exact instants: in-process keys (RSA and EC) and
 * a clock the test moves, so skew edges can be hit to the second.
 */
class OidcClaimsTest {
    private static final URI ISSUER = URI.create("https://idp.example.com/realms/berth");
    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
    private static RSAKey rsa;
    private static ECKey ec;

    private final MovableClock clock = new MovableClock(T0);
    private final AtomicInteger keyLookups = new AtomicInteger();

    @BeforeAll
    static void keys() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    }

    private OidcVerifier verifier(OidcConfig config) {
        JWKSource<SecurityContext> set = new ImmutableJWKSet<>(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
        JWKSource<SecurityContext> counting = (selector, context) -> {
            keyLookups.incrementAndGet();
            return set.get(selector, context);
        };
        return new OidcVerifier(config, counting, clock);
    }

    private OidcVerifier verifier() {
        return verifier(OidcConfig.of(ISSUER, "berth-api"));
    }

    /** A token valid from T0 for ten minutes, as changed by {@code edit}. */
    private static String token(UnaryOperator<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet claims = edit.apply(new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience(List.of("other", "berth-api"))
                .subject("u-7").issueTime(Date.from(T0)).notBeforeTime(Date.from(T0))
                .expirationTime(Date.from(T0.plus(Duration.ofMinutes(10))))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    private static Reason reason(OidcVerifier verifier, String token) {
        try {
            verifier.verify(token);
            throw new AssertionError("accepted");
        } catch (TokenRejected e) {
            return e.reason();
        }
    }

    @Test
    void anEcSignatureIsAcceptedToo() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience("berth-api").subject("u-8")
                        .expirationTime(Date.from(T0.plusSeconds(60))).build());
        jwt.sign(new ECDSASigner(ec));
        VerifiedToken v = verifier().verify(jwt.serialize());
        assertThat(v.user()).isEqualTo("u-8");
        assertThat(v.expiresAt()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void expiryIsToleratedByTheSkewAndNoFurther() throws Exception {
        OidcVerifier v = verifier(OidcConfig.of(ISSUER, "berth-api").withMaxClockSkew(Duration.ofSeconds(30)));
        String token = token(b -> b);
        clock.set(T0.plus(Duration.ofMinutes(10)).plusSeconds(29));
        assertThat(v.verify(token).subject()).isEqualTo("u-7");
        clock.set(T0.plus(Duration.ofMinutes(10)).plusSeconds(30));
        assertThat(reason(v, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void notBeforeAndIssuedAtAreToleratedByTheSkewAndNoFurther() throws Exception {
        OidcVerifier v = verifier(); // 60 s
        assertThat(v.verify(token(b -> b.notBeforeTime(Date.from(T0.plusSeconds(60))))).subject()).isEqualTo("u-7");
        assertThat(reason(v, token(b -> b.notBeforeTime(Date.from(T0.plusSeconds(61)))))).isEqualTo(Reason.NOT_YET_VALID);
        assertThat(v.verify(token(b -> b.issueTime(Date.from(T0.plusSeconds(60))))).subject()).isEqualTo("u-7");
        assertThat(reason(v, token(b -> b.issueTime(Date.from(T0.plusSeconds(61)))))).isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void requiredClaims() throws Exception {
        OidcVerifier v = verifier(OidcConfig.of(ISSUER, "berth-api").withUserClaim("email"));
        assertThat(reason(v, token(b -> b.claim("email", "a@example.com").expirationTime(null)))).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(v, token(b -> b.claim("email", "a@example.com").subject(null)))).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(v, token(b -> b.claim("email", "a@example.com").audience((String) null)))).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(v, token(b -> b.claim("email", "a@example.com").issuer(null)))).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(v, token(b -> b))).as("no email").isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(v, token(b -> b.claim("email", 42)))).isEqualTo(Reason.MALFORMED);
        assertThat(v.verify(token(b -> b.claim("email", "a@example.com"))).user()).isEqualTo("a@example.com");
    }

    @Test
    void groupsFromAConfiguredClaimAsAListOrALoneString() throws Exception {
        OidcVerifier v = verifier(OidcConfig.of(ISSUER, "berth-api").withGroupsClaim("roles")
                .withRoleMapping(Map.of("berth-admin", "admin", "audit", "auditor")));
        VerifiedToken lone = v.verify(token(b -> b.claim("roles", "audit")));
        assertThat(lone.groups()).containsExactly("audit");
        assertThat(lone.role()).isEqualTo("auditor");
        assertThat(v.verify(token(b -> b.claim("roles", List.of("x", "berth-admin")))).role()).isEqualTo("admin");
        assertThat(v.verify(token(b -> b.claim("groups", List.of("berth-admin")))).role())
                .as("the default claim is not read when another is configured").isEqualTo("user");
        assertThat(reason(v, token(b -> b.claim("roles", List.of("x", 3))))).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void aCachedTokenSkipsTheKeysUntilItExpires() throws Exception {
        OidcVerifier v = verifier();
        String token = token(b -> b);
        VerifiedToken first = v.verify(token);
        assertThat(keyLookups).hasValue(1);
        clock.set(T0.plus(Duration.ofMinutes(9)));
        assertThat(v.verify(token)).isSameAs(first);
        assertThat(keyLookups).as("answered from the cache").hasValue(1);

        // past exp the entry is gone; within the skew the full check still accepts, but does not cache
        clock.set(T0.plus(Duration.ofMinutes(10)).plusSeconds(1));
        assertThat(v.verify(token).subject()).isEqualTo("u-7");
        assertThat(v.verify(token).subject()).isEqualTo("u-7");
        assertThat(keyLookups).hasValue(3);
        assertThat(v.cachedTokens()).isZero();
        clock.set(T0.plus(Duration.ofMinutes(11)));
        assertThat(reason(v, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void theCacheIsBoundedAndCanBeOff() throws Exception {
        OidcVerifier bounded = verifier(OidcConfig.of(ISSUER, "berth-api").withCachedTokens(10));
        for (int i = 0; i < 25; i++) {
            String subject = "u-" + i;
            bounded.verify(token(b -> b.subject(subject)));
            assertThat(bounded.cachedTokens()).isBetween(1, 10);
        }

        OidcVerifier off = verifier(OidcConfig.of(ISSUER, "berth-api").withCachedTokens(0));
        keyLookups.set(0);
        String token = token(b -> b);
        off.verify(token);
        off.verify(token);
        assertThat(keyLookups).hasValue(2);
        assertThat(off.cachedTokens()).isZero();
    }

    @Test
    void aRejectedTokenIsNotCached() throws Exception {
        OidcVerifier v = verifier();
        String wrongAudience = token(b -> b.audience("elsewhere"));
        assertThat(reason(v, wrongAudience)).isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(reason(v, wrongAudience)).isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(v.cachedTokens()).isZero();
    }

    @Test
    void anAccessTokenTypeIsAcceptedButAnotherTypeIsNot() throws Exception {
        OidcVerifier v = verifier();
        for (String type : List.of("at+jwt", "JWT")) {
            assertThat(v.verify(typed(type)).subject()).isEqualTo("u-9");
        }
        assertThat(reason(v, typed("logout+jwt"))).isEqualTo(Reason.MALFORMED);
    }

    private static String typed(String type) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID())
                .type(new com.nimbusds.jose.JOSEObjectType(type)).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience("berth-api").subject("u-9")
                        .claim("type", type).expirationTime(Date.from(T0.plusSeconds(60))).build());
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    /** A clock the test sets. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
