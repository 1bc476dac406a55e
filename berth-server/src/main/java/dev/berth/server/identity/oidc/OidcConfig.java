package dev.berth.server.identity.oidc;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Which OIDC provider's bearer tokens the server accepts, and how a token's claims become a Berth
 * user and role.
 *
 * @param issuer the provider's issuer identifier, exactly as its tokens' {@code iss} and its
 *     discovery document ({@code ISSUER/.well-known/openid-configuration}) spell it
 * @param audience the value a token's {@code aud} must contain (the API's client id at the provider)
 * @param userClaim the claim that names the user ({@code sub}, {@code preferred_username}, {@code email}, …)
 * @param groupsClaim the claim listing the user's groups
 * @param maxClockSkew the tolerance for {@code exp}, {@code nbf} and {@code iat} between the
 *     provider's clock and ours; at most {@link #MAX_CLOCK_SKEW}
 * @param roleMapping group name to role ({@code admin}, {@code operator}, {@code auditor}, {@code user});
 *     a caller in no mapped group is a {@code user}
 * @param cachedTokens how many verified tokens to remember so a repeated check skips the signature;
 *     0 turns the cache off
 * @param webClientId the client id (public, PKCE) the web console logs users in with at the
 *     provider; null: the console offers token sign-in only
 */
public record OidcConfig(URI issuer, String audience, String userClaim, String groupsClaim, Duration maxClockSkew,
                         Map<String, String> roleMapping, int cachedTokens, String webClientId) {
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** Beyond this a skew stops being tolerance and starts extending every token's life. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final int DEFAULT_CACHED_TOKENS = 10_000;

    public OidcConfig {
        Objects.requireNonNull(issuer, "issuer");
        requireSecure(issuer, "issuer");
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("an OIDC audience is required: a token for another service must not open Berth");
        }
        userClaim = userClaim == null || userClaim.isBlank() ? "sub" : userClaim;
        groupsClaim = groupsClaim == null || groupsClaim.isBlank() ? "groups" : groupsClaim;
        maxClockSkew = maxClockSkew == null ? DEFAULT_CLOCK_SKEW : maxClockSkew;
        if (maxClockSkew.isNegative() || maxClockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("OIDC clock skew must be between 0 and " + MAX_CLOCK_SKEW.toSeconds()
                    + " s, not " + maxClockSkew.toSeconds() + " s");
        }
        roleMapping = roleMapping == null ? Map.of() : Map.copyOf(roleMapping);
        roleMapping.values().forEach(r -> {
            if (dev.berth.api.model.Role.parse(r) == null) {
                throw new IllegalArgumentException("unknown role '" + r + "' (roles: admin, operator, auditor, user)");
            }
        });
        if (cachedTokens < 0) {
            throw new IllegalArgumentException("cachedTokens must not be negative");
        }
    }

    /** The defaults: user from {@code sub}, groups from {@code groups}, 60 s skew, every caller a user. */
    public static OidcConfig of(URI issuer, String audience) {
        return new OidcConfig(issuer, audience, null, null, null, null, DEFAULT_CACHED_TOKENS, null);
    }

    public OidcConfig withUserClaim(String claim) {
        return new OidcConfig(issuer, audience, claim, groupsClaim, maxClockSkew, roleMapping, cachedTokens, webClientId);
    }

    public OidcConfig withGroupsClaim(String claim) {
        return new OidcConfig(issuer, audience, userClaim, claim, maxClockSkew, roleMapping, cachedTokens, webClientId);
    }

    public OidcConfig withMaxClockSkew(Duration skew) {
        return new OidcConfig(issuer, audience, userClaim, groupsClaim, skew, roleMapping, cachedTokens, webClientId);
    }

    public OidcConfig withRoleMapping(Map<String, String> mapping) {
        return new OidcConfig(issuer, audience, userClaim, groupsClaim, maxClockSkew, mapping, cachedTokens, webClientId);
    }

    public OidcConfig withWebClientId(String clientId) {
        return new OidcConfig(issuer, audience, userClaim, groupsClaim, maxClockSkew, roleMapping, cachedTokens,
                clientId == null || clientId.isBlank() ? null : clientId);
    }

    public OidcConfig withCachedTokens(int count) {
        return new OidcConfig(issuer, audience, userClaim, groupsClaim, maxClockSkew, roleMapping, count, webClientId);
    }

    /**
     * Keys fetched over plain HTTP could be swapped by anyone on the path, so every provider URL must
     * be HTTPS; plain HTTP is allowed to a loopback address only (a provider on the same host, tests).
     */
    static URI requireSecure(URI uri, String what) {
        String host = uri.getHost();
        boolean loopback = host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
        if (host == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()) && loopback)) {
            throw new IllegalArgumentException("OIDC " + what + " must be an https URL (http only on loopback): " + uri);
        }
        return uri;
    }
}
