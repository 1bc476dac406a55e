package dev.berth.server.identity.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The provider's public keys that may have made a token's signature: those matching its
 * {@code kid}, algorithm family and use ({@link JWKMatcher#forJWSHeader}), from the (cached,
 * refetch-on-miss) JWK source. Nimbus's own {@code JWSVerificationKeySelector} does the same but
 * rebuilds each Java key from its JWK on every call (a Base64 decode and a KeyFactory, several µs
 * per token); this one converts each JWK once. It also says "no such key" apart from
 * "bad signature", which Nimbus reports alike.
 */
final class KeySelection implements JWSKeySelector<SecurityContext> {
    /** More keys than any provider publishes at once; rotations add a few a year. */
    private static final int MAX_CONVERTED = 64;

    private final JWKSource<SecurityContext> source;
    private final Map<JWK, Key> converted = new ConcurrentHashMap<>();

    KeySelection(JWKSource<SecurityContext> source) {
        this.source = source;
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
        if (!OidcVerifier.ALGORITHMS.contains(header.getAlgorithm())) {
            return List.of(); // checked before, and again here: no path leads to an HMAC or none key
        }
        List<JWK> matches = source.get(new JWKSelector(JWKMatcher.forJWSHeader(header)), context);
        if (matches.isEmpty()) {
            throw new UnknownKey("the provider has no " + header.getAlgorithm() + " key "
                    + (header.getKeyID() == null ? "for the token" : TokenRejected.quote(header.getKeyID()))
                    + " (also not after refetching its keys)");
        }
        List<Key> keys = new ArrayList<>(matches.size());
        for (JWK jwk : matches) {
            keys.add(javaKey(jwk));
        }
        return keys;
    }

    private Key javaKey(JWK jwk) throws KeySourceException {
        Key key = converted.get(jwk);
        if (key == null) {
            try {
                key = switch (jwk) {
                    case RSAKey rsa -> rsa.toRSAPublicKey();
                    case ECKey ec -> ec.toECPublicKey();
                    default -> throw new UnknownKey("the provider's key " + TokenRejected.quote(String.valueOf(jwk.getKeyID()))
                            + " is a " + jwk.getKeyType() + " key, not an RSA or EC one");
                };
            } catch (JOSEException e) {
                throw new KeySourceException("the provider's key " + TokenRejected.quote(String.valueOf(jwk.getKeyID()))
                        + " is not a valid public key: " + e.getMessage(), e);
            }
            if (converted.size() >= MAX_CONVERTED) {
                converted.clear(); // only after many rotations: start over
            }
            converted.put(jwk, key);
        }
        return key;
    }

    /** No key of the provider fits the token. */
    static final class UnknownKey extends KeySourceException {
        UnknownKey(String message) {
            super(message);
        }
    }
}
