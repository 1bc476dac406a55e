package dev.berth.server.identity;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import java.util.List;
import java.util.Optional;

/**
 * Turns an {@code Authorization: Bearer …} header into a {@link Principal}: the generated admin
 * token, a local API token, or (when an issuer is configured) an OIDC JWT.
 */
public final class Authenticator {
    static final Principal ADMIN = new Principal("admin", List.of(), Role.ADMIN, "admin-token", "admin.token", null);

    /** Verifies bearer JWTs of an OIDC issuer; empty when the token is not for it. */
    @FunctionalInterface
    public interface JwtVerifier {
        /**
         * @return the principal, or empty if the token is no JWT at all
         * @throws ApiException {@code unauthorized} or {@code token_expired} for a refused JWT
         */
        Optional<Principal> verify(String token);
    }

    private final AdminToken admin;
    private final ApiTokens tokens;
    private final JwtVerifier jwt;

    public Authenticator(AdminToken admin, ApiTokens tokens, JwtVerifier jwt) {
        this.admin = admin;
        this.tokens = tokens;
        this.jwt = jwt;
    }

    public Principal authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(ErrorCode.UNAUTHORIZED,
                    "send Authorization: Bearer TOKEN (the admin token is in DATA/admin.token)");
        }
        String presented = authorization.substring(7).strip();
        if (admin.matches(presented)) {
            return ADMIN;
        }
        Optional<Principal> p = ApiTokens.looksLikeToken(presented) ? tokens.authenticate(presented)
                : jwt != null ? jwt.verify(presented) : Optional.empty();
        return p.orElseThrow(() -> new ApiException(ErrorCode.UNAUTHORIZED,
                "unknown bearer token" + (jwt == null && presented.chars().filter(c -> c == '.').count() == 2
                        ? " (this server accepts no OIDC tokens: no issuer is configured)" : "")));
    }
}
