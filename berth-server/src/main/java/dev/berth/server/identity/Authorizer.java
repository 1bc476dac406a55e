package dev.berth.server.identity;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.server.store.SessionRecord;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks a route's {@link Access} before it runs. A session the caller may not touch is answered
 * exactly as a missing one ({@code session_not_found}, same message), a runtime they may not run
 * as a missing runtime; a session that does not exist is left to the route to report.
 */
public final class Authorizer {
    private final Function<String, Optional<SessionRecord>> sessions;

    public Authorizer(Function<String, Optional<SessionRecord>> sessions) {
        this.sessions = sessions;
    }

    /**
     * @param params the route's path parameters
     * @param invokedSession for {@link Access#INVOKE}, the session the call names (may be null)
     * @throws AccessDenied if the principal may not make the call
     */
    public void check(Access access, Principal p, Map<String, String> params, String invokedSession) {
        switch (access) {
            case NONE, ANY -> { }
            case SESSIONS -> role(p, p.role() != Role.AUDITOR, "auditors cannot list or create sessions");
            case SESSION -> session(p, params.get("id"), p::mayUse);
            case SESSION_LOG -> session(p, params.get("id"), p::mayRead);
            case SESSION_SHARE -> session(p, params.get("id"), p::mayShare);
            case RUNTIMES -> role(p, p.role() != Role.AUDITOR, "auditors cannot see runtimes");
            case RUNTIME_ADMIN -> role(p, p.role().allSessions(), "deploying and removing runtimes needs operator or admin");
            case INVOKE -> {
                String name = params.get("name");
                if (!p.mayRun(name)) {
                    throw new AccessDenied(new ApiException(ErrorCode.RUNTIME_NOT_FOUND, "no runtime " + name),
                            p.user() + " may not run runtime " + name);
                }
                if (invokedSession != null) {
                    sessions.apply(invokedSession).filter(s -> !p.mayUse(s)).ifPresent(s -> {
                        // a taken id is taken for everyone, as at session creation
                        throw new AccessDenied(new ApiException(ErrorCode.SESSION_EXISTS,
                                "session " + invokedSession + " already exists"),
                                p.user() + " may not use session " + invokedSession + " of " + s.owner());
                    });
                }
            }
            case AUDIT -> role(p, p.role() == Role.ADMIN || p.role() == Role.AUDITOR, "reading the audit trail needs auditor or admin");
            case ADMIN -> role(p, p.role() == Role.ADMIN, "managing tokens and secrets needs admin");
        }
    }

    private static void role(Principal p, boolean allowed, String why) {
        if (!allowed) {
            throw new AccessDenied(new ApiException(ErrorCode.FORBIDDEN, why + " (you are " + p.user() + ", "
                    + p.role().wire() + ")"), why);
        }
    }

    private void session(Principal p, String id, java.util.function.Predicate<SessionRecord> allowed) {
        if (id == null) {
            return;
        }
        sessions.apply(id).filter(s -> !allowed.test(s)).ifPresent(s -> {
            throw new AccessDenied(new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + id),
                    p.user() + " (" + p.role().wire() + ") may not touch session " + id + " of " + s.owner());
        });
    }
}
