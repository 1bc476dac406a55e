package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.CreatedToken;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.TokenInfo;
import dev.berth.api.model.WhoAmI;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.ApiTokens;
import dev.berth.server.identity.Principal;
import dev.berth.server.store.TokenRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** {@code /v1/tokens…} (admins) and {@code /v1/whoami} (anyone). */
public final class TokenRoutes {
    private final ApiTokens tokens;
    private final Clock clock;

    public TokenRoutes(ApiTokens tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/whoami", Access.ANY, x -> x.json(200, whoAmI(x.principal()))),
                Route.of("POST", "/v1/tokens", Access.ADMIN, this::create).audited("token.create"),
                Route.of("GET", "/v1/tokens", Access.ADMIN, x -> x.json(200, tokens.list().stream().map(this::info).toList())),
                Route.of("DELETE", "/v1/tokens/{tid}", Access.ADMIN, x -> {
                    x.auditTarget(null, "token/" + x.param("tid"));
                    x.json(200, info(tokens.revoke(x.param("tid"))));
                }).audited("token.revoke"));
    }

    /** The caller as {@code /v1/whoami} shows them. */
    static WhoAmI whoAmI(Principal p) {
        return new WhoAmI(p.user(), p.role(), p.groups(), p.authMethod(), p.runtimes());
    }

    private void create(Exchange x) throws Exception {
        CreateTokenRequest r = x.body(CreateTokenRequest.class, null);
        if (r.user() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "give \"user\"");
        }
        if (r.role() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "give \"role\": admin, operator, user or auditor");
        }
        if (r.ttlSeconds() != null && r.ttlSeconds() <= 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "ttlSeconds must be positive");
        }
        ApiTokens.Created c = tokens.create(r.user(), r.role(), r.ttlSeconds() == null ? null : Duration.ofSeconds(r.ttlSeconds()),
                r.groups() == null ? List.of() : r.groups(), r.runtimes(), x.principal().user());
        x.auditTarget(null, "token/" + c.record().id()).audit("user", r.user()).audit("role", r.role().wire())
                .audit("ttlSeconds", r.ttlSeconds());
        x.json(201, new CreatedToken(info(c.record()), c.token()));
    }

    private TokenInfo info(TokenRecord t) {
        String state = t.revokedAt() != null ? "revoked" : t.validAt(clock.instant()) ? "active" : "expired";
        return new TokenInfo(t.id(), t.user(), t.role(), t.groups(), t.runtimes(), t.createdAt(), t.expiresAt(),
                t.revokedAt(), t.createdBy(), state);
    }
}
