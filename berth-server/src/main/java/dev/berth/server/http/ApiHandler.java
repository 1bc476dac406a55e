package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.AccessDenied;
import dev.berth.server.identity.Authenticator;
import dev.berth.server.identity.Authorizer;
import dev.berth.server.identity.Principal;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.web.CookieCredentials;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The API's front door: authenticates the caller (bearer header, or the console's cookie), finds
 * the route, checks what it may do, records the audit event, and turns every failure into the JSON
 * error body with its stable code (never a stack trace).
 */
public final class ApiHandler extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());
    private static final String INVOKED_SESSION = "X-Berth-Session-Id";

    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final AuditSink audit;
    private final List<Route> routes;
    private final int maxBody;

    public ApiHandler(Authenticator authenticator, Authorizer authorizer, AuditSink audit, List<Route> routes,
            int maxBody) {
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.audit = audit;
        this.routes = List.copyOf(routes);
        this.maxBody = maxBody;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Principal principal = null;
        Route route = null;
        Exchange exchange = null;
        try {
            List<String> segments = Arrays.asList(Request.getPathInContext(request).substring(1).split("/", -1));
            Map<String, String> params = null;
            boolean pathMatched = false;
            for (Route r : routes) {
                Map<String, String> p = r.match(segments);
                if (p != null) {
                    pathMatched = true;
                    if (r.method().equals(request.getMethod())) {
                        route = r;
                        params = p;
                        break;
                    }
                }
            }
            // before any answer about the route: an unauthenticated caller learns nothing of what exists
            principal = route != null && route.access() == Access.NONE ? Principal.ANONYMOUS : authenticate(request, response);
            if (route == null) {
                throw pathMatched
                        ? new ApiException(ErrorCode.METHOD_NOT_ALLOWED, request.getMethod() + " is not allowed here")
                        : new ApiException(ErrorCode.ROUTE_NOT_FOUND, "no such route: " + request.getMethod() + " "
                                + Request.getPathInContext(request));
            }
            exchange = new Exchange(request, response, params, maxBody, callback, principal);
            Exchange x = exchange;
            Route r = route;
            exchange.onAuditNow(() -> record(r, x, "ok"));
            authorizer.check(route.access(), principal, params, request.getHeaders().get(INVOKED_SESSION));
            route.action().handle(exchange);
            if (route.audit() != null) {
                exchange.auditNow();
            }
            if (!exchange.handedOff()) {
                callback.succeeded();
            }
        } catch (AccessDenied d) {
            if (exchange != null) {
                exchange.audit("reason", d.getMessage());
                record(route, exchange, "denied");
            }
            fail(request, response, callback, d.shown());
        } catch (EofException e) {
            callback.failed(e); // the client went away mid-response
        } catch (Exception e) {
            ErrorCode code = fail(request, response, callback, e);
            if (exchange != null && route.audit() != null && !exchange.wasAudited()) {
                exchange.audit("message", e.getMessage());
                record(route, exchange, "error:" + code.code());
            }
        }
        return true;
    }

    /**
     * The caller, by the {@code Authorization} header or else the console's cookie (which must come
     * from a page of this server to change anything); a refusal is audited.
     */
    private Principal authenticate(Request request, Response response) {
        CookieCredentials.Presented presented = CookieCredentials.of(request);
        Principal p;
        try {
            p = authenticator.authenticate(presented.authorization());
        } catch (ApiException e) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"berth\"");
            rejected(request, "anonymous", "none", e.getMessage());
            throw e;
        }
        if (presented.cookie()) {
            try {
                CookieCredentials.checkSameSite(request);
            } catch (ApiException e) {
                rejected(request, p.user(), p.authMethod(), e.getMessage() + " (Origin: "
                        + request.getHeaders().get(HttpHeader.ORIGIN) + ")");
                throw e;
            }
        }
        return p;
    }

    private void rejected(Request request, String user, String authMethod, String reason) {
        audit.record(AuditEvent.draft(user, authMethod, Exchange.sourceOf(request), null, null, "auth.rejected", "denied",
                Map.of("call", request.getMethod() + " " + Request.getPathInContext(request), "reason", reason)));
    }

    private static boolean unreadBody(Request request) {
        boolean http1 = request.getConnectionMetaData().getHttpVersion().getVersion() < 20;
        boolean hasBody = request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        return http1 && hasBody && !request.consumeAvailable();
    }

    private void record(Route route, Exchange x, String outcome) {
        Principal p = x.principal();
        String action = x.auditAction() != null ? x.auditAction()
                : route.audit() != null ? route.audit() : route.method() + " " + route.path();
        audit.record(AuditEvent.draft(p.user(), p.authMethod(), x.source(), x.auditSession(), x.auditResource(), action,
                outcome, x.auditDetails()));
    }

    /** Answers the error; the code it answered with. */
    private static ErrorCode fail(Request request, Response response, Callback callback, Exception e) {
        if (response.isCommitted()) {
            // mid-stream (usually the client went away): the status line is gone, so end the stream
            // without an exit frame; the client re-attaches by offset
            LOG.log(System.Logger.Level.DEBUG, "stream ended early: " + e);
            callback.failed(e);
            return ErrorCode.INTERNAL;
        }
        ErrorCode code;
        String message;
        switch (e) {
            case ApiException a -> {
                code = a.code();
                message = a.getMessage();
            }
            case SandboxException s -> {
                code = CommandService.errorCode(s);
                message = s.getMessage();
            }
            default -> {
                code = ErrorCode.INTERNAL;
                message = "internal error; see the server log";
                LOG.log(System.Logger.Level.ERROR, "unhandled error in " + request.getMethod() + " "
                        + Request.getPathInContext(request), e);
            }
        }
        try {
            response.setStatus(code.httpStatus());
            if (unreadBody(request)) {
                // refused before its body was read: the body is left on an HTTP/1.1 connection, which
                // cannot carry another request now; say so, or a client may send its next one there
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            byte[] body = dev.berth.api.Json.mapper().writeValueAsBytes(ErrorResponse.of(code, message));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(body), callback);
        } catch (IOException io) {
            callback.failed(io);
        }
        return code;
    }
}
