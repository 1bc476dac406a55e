package dev.berth.server.identity.oidc;

import static dev.berth.server.identity.oidc.TokenRejected.Reason.BAD_SIGNATURE;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.MALFORMED;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.UNKNOWN_KEY;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.UNSIGNED;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.Closeable;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Verifies OIDC bearer tokens (JWT access tokens) from one provider: an asymmetric signature by
 * one of the provider's current keys, then the claims ({@link ClaimsCheck}). Thread-safe; build one
 * at server start and share it.
 *
 * <p>The provider's keys come from its {@code jwks_uri}, cached for {@link #KEYS_CACHED} and
 * refetched early when a token names a {@code kid} we do not have (a key rotation). Refetches are
 * rate-limited (two per {@link #REFETCH_INTERVAL}) so tokens with made-up key ids cannot turn
 * Berth into a load generator against the provider.
 */
public final class OidcVerifier implements AutoCloseable {
    /** Asymmetric only: an HMAC key is a shared secret, and {@code none} is no signature at all. */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
    public static final Duration KEYS_CACHED = Duration.ofMinutes(5);
    public static final Duration REFETCH_INTERVAL = Duration.ofSeconds(30);
    /** Larger than any real access token; a bigger header is not worth parsing. */
    private static final int MAX_TOKEN_CHARS = 16 * 1024;
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    /** A JWK set bigger than this is not a JWK set. */
    private static final int MAX_JWKS_BYTES = 512 * 1024;

    private final JWKSource<SecurityContext> keys;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final ClaimsCheck claims;
    private final VerifiedTokens verified;
    private final Clock clock;

    /** Discovers the provider at {@code config.issuer()} and fetches its keys from the discovered {@code jwks_uri}. */
    public OidcVerifier(OidcConfig config) throws IOException {
        this(config, remoteKeys(ProviderMetadata.discover(config.issuer())), Clock.systemUTC());
    }

    /** Verifies with the given keys (an in-process JWK set for benchmarks and tests, or any custom source). */
    public OidcVerifier(OidcConfig config, JWKSource<SecurityContext> keys) {
        this(config, keys, Clock.systemUTC());
    }

    OidcVerifier(OidcConfig config, JWKSource<SecurityContext> keys, Clock clock) {
        this.keys = keys;
        this.claims = new ClaimsCheck(config);
        this.verified = new VerifiedTokens(config.cachedTokens());
        this.clock = clock;
        processor.setJWSKeySelector(new KeySelection(keys));
        // access tokens are typed JWT, at+jwt (RFC 9068) or not at all
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
        processor.setJWTClaimsSetVerifier(null); // ClaimsCheck does it, with a reason per failure
    }

    /**
     * The identity {@code token} speaks for, or why it must be refused. A token seen before (and
     * not expired) is answered from memory; a new one costs a signature check.
     */
    public VerifiedToken verify(String token) throws TokenRejected {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejected(MALFORMED, token == null || token.isEmpty() ? "no token" : "the token is too long");
        }
        Instant now = clock.instant();
        VerifiedTokens.Digest digest = VerifiedTokens.Digest.of(token);
        VerifiedToken known = verified.get(digest, now);
        if (known != null) {
            return known;
        }
        VerifiedToken v = verifyFully(token, now);
        verified.put(digest, v, now);
        return v;
    }

    private VerifiedToken verifyFully(String token, Instant now) throws TokenRejected {
        SignedJWT jwt = signed(token);
        try {
            claims.issuer(jwt.getJWTClaimsSet());
            JWTClaimsSet signedClaims = processor.process(jwt, null);
            return claims.check(signedClaims, now);
        } catch (ParseException e) {
            throw new TokenRejected(MALFORMED, "the token's claims are not a JSON object of valid claims");
        } catch (KeySelection.UnknownKey e) {
            throw new TokenRejected(UNKNOWN_KEY, e.getMessage());
        } catch (RateLimitReachedException e) {
            throw new TokenRejected(UNKNOWN_KEY, "the provider has no key " + keyId(jwt) + "; its keys were refetched within "
                    + REFETCH_INTERVAL.toSeconds() + " s, so not again yet");
        } catch (KeySourceException e) {
            throw new TokenRejected(UNKNOWN_KEY, "the provider's signing keys are unavailable: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (BadJWSException e) {
            throw new TokenRejected(BAD_SIGNATURE, "the token's signature does not verify");
        } catch (BadJOSEException e) {
            throw new TokenRejected(MALFORMED, "the token was refused: " + e.getMessage()); // e.g. a typ that is no access token's
        } catch (JOSEException e) {
            throw new TokenRejected(BAD_SIGNATURE, "the token's signature could not be checked: " + e.getMessage());
        }
    }

    /** A JWS with an accepted algorithm; anything else is refused before any key is looked up. */
    private static SignedJWT signed(String token) throws TokenRejected {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new TokenRejected(MALFORMED, "the token is not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw new TokenRejected(UNSIGNED, "the token is unsigned (alg none)");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new TokenRejected(MALFORMED, "the token is encrypted (JWE); only signed tokens are accepted");
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!ALGORITHMS.contains(alg)) {
            throw new TokenRejected(BAD_SIGNATURE, "the token is signed with " + alg
                    + "; only asymmetric signatures (RS256/384/512, PS256, ES256/384) are accepted");
        }
        return signed;
    }

    private static String keyId(SignedJWT jwt) {
        String kid = jwt.getHeader().getKeyID();
        return kid == null ? "for the token" : TokenRejected.quote(kid);
    }

    /** How many verified tokens are remembered. */
    int cachedTokens() {
        return verified.size();
    }

    @Override
    public void close() throws IOException {
        if (keys instanceof Closeable c) {
            c.close(); // the remote source's refresh-ahead executor
        }
    }

    private static JWKSource<SecurityContext> remoteKeys(ProviderMetadata provider) throws IOException {
        int timeout = (int) HTTP_TIMEOUT.toMillis();
        return JWKSourceBuilder.<SecurityContext>create(provider.jwksUri().toURL(),
                        new DefaultResourceRetriever(timeout, timeout, MAX_JWKS_BYTES))
                .cache(KEYS_CACHED.toMillis(), HTTP_TIMEOUT.toMillis())
                .rateLimited(REFETCH_INTERVAL.toMillis())
                .retrying(true)
                // a provider outage does not log everyone out: its last keys stay good for an hour
                .outageTolerant(Duration.ofHours(1).toMillis())
                .build();
    }
}
