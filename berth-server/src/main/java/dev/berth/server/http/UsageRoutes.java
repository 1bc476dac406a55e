package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.Budget;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.api.units.Durations;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.Principal;
import dev.berth.server.store.ModelCallRecord;
import dev.berth.server.store.SessionRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code GET /v1/usage} (model calls through the gateway, added up) and a session's model budget,
 * {@code GET|PUT /v1/sessions/{id}/budget}. Users see the usage of sessions they own or may use;
 * operators, auditors and admins see all.
 */
public final class UsageRoutes {
    private final ModelUsage usage;
    private final Function<String, Optional<SessionRecord>> sessions;
    private final Clock clock;

    public UsageRoutes(ModelUsage usage, Function<String, Optional<SessionRecord>> sessions, Clock clock) {
        this.usage = usage;
        this.sessions = sessions;
        this.clock = clock;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/usage", Access.ANY, x -> {
                    Instant since = since(x.query("since"));
                    x.json(200, usage.report(x.query("session"), since, visibleTo(x.principal())));
                }),
                Route.of("GET", "/v1/sessions/{id}/budget", Access.SESSION_LOG, x -> {
                    session(x.param("id"));
                    x.json(200, usage.budgetOf(x.param("id")));
                }),
                Route.of("PUT", "/v1/sessions/{id}/budget", Access.SESSION, x -> {
                    session(x.param("id"));
                    Budget b = x.body(Budget.class, null);
                    x.audit("tokens", b.tokens()).audit("usd", b.usd() == null ? null : b.usd().toPlainString());
                    x.json(200, usage.setBudget(x.param("id"), b));
                }).audited("session.budget"));
    }

    private void session(String id) {
        if (sessions.apply(id).isEmpty()) {
            throw new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + id);
        }
    }

    private Instant since(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return clock.instant().minus(Durations.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_FIELD,
                        "since must be an instant such as 2026-12-01T10:00:00Z or a time ago such as 2h: " + text);
            }
        }
    }

    /** Whose calls the principal may see: their own sessions' and those they may use; all for the other roles. */
    private Predicate<ModelCallRecord> visibleTo(Principal p) {
        if (p.role() != Role.USER) {
            return c -> true;
        }
        Map<String, Boolean> mayUse = new HashMap<>();
        return c -> c.owner().equals(p.user())
                || mayUse.computeIfAbsent(c.sessionId(), id -> sessions.apply(id).map(p::mayUse).orElse(false));
    }
}
