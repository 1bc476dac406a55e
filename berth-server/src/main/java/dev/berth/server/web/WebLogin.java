package dev.berth.server.web;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.identity.Authenticator;
import dev.berth.server.identity.Principal;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * {@code POST /v1/web/login} and {@code /v1/web/logout}: the console trades a token for the
 * sign-in cookie ({@link CookieCredentials}) and back. The token is checked exactly as a bearer
 * token; every login is audited as {@code web.login}, ok or denied.
 */
public final class WebLogin {
    /** The login body. */
    public record LoginRequest(String token) {}

    private final Authenticator authenticator;
    private final AuditSink audit;

    public WebLogin(Authenticator authenticator, AuditSink audit) {
        this.authenticator = authenticator;
        this.audit = audit;
    }

    /**
     * Checks the token and sets the cookie on {@code response}.
     *
     * @param source the client's address as the audit records it
     * @return who logged in
     */
    public Principal login(LoginRequest body, Request request, Response response, String source) {
        if (request.getHeaders().contains(HttpHeader.ORIGIN) && !SameOrigin.matches(request)) {
            // a page of another site must not sign a browser in as somebody else either
            denied(source, "cross-site request refused");
            throw CookieCredentials.crossSite();
        }
        if (body.token() == null || body.token().isBlank()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "give \"token\": an API token, the admin token or an OIDC JWT");
        }
        String token = body.token().strip();
        Principal p;
        try {
            p = authenticator.authenticate("Bearer " + token);
            Response.addCookie(response, CookieCredentials.signIn(token, request.isSecure()));
        } catch (ApiException e) {
            denied(source, e.getMessage());
            throw e;
        }
        audit.record(AuditEvent.draft(p.user(), p.authMethod(), source, null, null, "web.login", "ok", Map.of()));
        return p;
    }

    /** Clears the cookie on {@code response}; nothing on the server changes (the token stays valid). */
    public void logout(Request request, Response response) {
        Response.addCookie(response, CookieCredentials.signOut(request.isSecure()));
    }

    private void denied(String source, String reason) {
        audit.record(AuditEvent.draft("anonymous", "none", source, null, null, "web.login", "denied",
                Map.of("reason", reason)));
    }
}
