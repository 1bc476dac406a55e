package dev.berth.bench.jmh;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.identity.oidc.OidcVerifier;
import dev.berth.server.identity.oidc.TokenRejected;
import dev.berth.server.identity.oidc.VerifiedToken;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an OIDC bearer token costs the server per request, with the provider's keys already
 * cached (an in-process JWK set: no provider, no network). {@code firstSight} is a token the
 * server has not seen: parse, signature, claims (the verified-token cache is off, so every call
 * pays it). {@code repeated} is the same token again, answered from that cache. {@code signatureAlone}
 * is the floor under {@code firstSight}: Nimbus checking the signature of the parsed token, nothing
 * else. Target: p50 at most 50 µs per check. Run: {@code scripts/bench jmh TokenCheckBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenCheckBench {
    private static final URI ISSUER = URI.create("https://idp.example.com/realms/berth");

    /** RS256 with a 2048-bit key (most providers' default), or ES256 on P-256. */
    @Param({"RS256", "ES256"})
    String alg;

    private OidcVerifier uncached;
    private OidcVerifier cached;
    private String token;
    private SignedJWT parsed;
    private JWSVerifier signature;

    @Setup
    public void setUp() throws JOSEException, ParseException, TokenRejected {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        var keys = new ImmutableJWKSet<>(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
        OidcConfig config = OidcConfig.of(ISSUER, "berth-api").withUserClaim("preferred_username")
                .withRoleMapping(Map.of("berth-admins", "admin"));
        uncached = new OidcVerifier(config.withCachedTokens(0), keys);
        cached = new OidcVerifier(config, keys);

        boolean isRsa = alg.equals("RS256");
        JWSSigner signer = isRsa ? new RSASSASigner(rsa) : new ECDSASigner(ec);
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID(isRsa ? "rsa-1" : "ec-1").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience("berth-api").subject("u-1001")
                        .claim("preferred_username", "alice").claim("groups", List.of("developers", "berth-admins"))
                        .issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plus(Duration.ofHours(1)))).jwtID("bench").build());
        jwt.sign(signer);
        token = jwt.serialize();
        cached.verify(token); // seen once: what repeated() measures is the cache hit
        parsed = SignedJWT.parse(token);
        signature = isRsa ? new RSASSAVerifier(rsa.toRSAPublicKey()) : new ECDSAVerifier(ec.toECPublicKey());
    }

    @Benchmark
    public VerifiedToken firstSight() throws TokenRejected {
        return uncached.verify(token);
    }

    @Benchmark
    public VerifiedToken repeated() throws TokenRejected {
        return cached.verify(token);
    }

    @Benchmark
    public boolean signatureAlone() throws JOSEException {
        return parsed.verify(signature);
    }
}
