package dev.berth.server.identity;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.identity.oidc.OidcVerifier;
import dev.berth.server.identity.oidc.TokenRejected;
import dev.berth.server.identity.oidc.VerifiedToken;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OIDC JWTs as principals. The first time the server sees a token of a subject it records an
 * {@code auth.login} event: that is the moment a person logged in, as far as the server can know.
 */
public final class OidcAuthenticator implements Authenticator.JwtVerifier {
    private static final int MAX_SEEN = 10_000;

    private final OidcVerifier verifier;
    private final AuditSink audit;
    private final Clock clock;
    /** subject + token expiry → expiry: a token already announced as a login. */
    private final Map<String, Instant> seen = new ConcurrentHashMap<>();

    public OidcAuthenticator(OidcVerifier verifier, AuditSink audit, Clock clock) {
        this.verifier = verifier;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public Optional<Principal> verify(String token) {
        if (token.chars().filter(c -> c == '.').count() != 2) {
            return Optional.empty(); // not a JWT: someone else's token, or none
        }
        VerifiedToken v;
        try {
            v = verifier.verify(token);
        } catch (TokenRejected e) {
            throw new ApiException(e.reason() == TokenRejected.Reason.EXPIRED ? ErrorCode.TOKEN_EXPIRED : ErrorCode.UNAUTHORIZED,
                    "OIDC token refused (" + e.reason().code() + "): " + e.getMessage());
        }
        Role role = Role.parse(v.role());
        if (seen.putIfAbsent(v.subject() + "@" + v.expiresAt(), v.expiresAt()) == null) {
            if (seen.size() > MAX_SEEN) {
                Instant now = clock.instant();
                seen.values().removeIf(exp -> exp.isBefore(now));
            }
            audit.record(AuditEvent.draft(v.user(), "oidc", null, null, "user/" + v.user(), "auth.login", "ok",
                    Map.of("subject", v.subject(), "role", role.wire(), "groups", v.groups(),
                            "expiresAt", v.expiresAt().toString())));
        }
        return Optional.of(new Principal(v.user(), v.groups(), role, "oidc", v.subject(), null));
    }
}
