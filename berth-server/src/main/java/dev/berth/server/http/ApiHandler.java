package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.server.auth.AdminToken;
import dev.berth.server.sessions.CommandService;
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
 * The API's front door: checks the bearer token, finds the route, and turns every failure into the
 * JSON error body with its stable code (never a stack trace).
 */
public final class ApiHandler extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    private final AdminToken token;
    private final List<Route> routes;
    private final int maxBody;

    public ApiHandler(AdminToken token, List<Route> routes, int maxBody) {
        this.token = token;
        this.routes = List.copyOf(routes);
        this.maxBody = maxBody;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            if (!authorized(request)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"berth\"");
                throw new ApiException(ErrorCode.UNAUTHORIZED,
                        "missing or wrong bearer token (the admin token is in DATA/admin.token)");
            }
            List<String> segments = Arrays.asList(Request.getPathInContext(request).substring(1).split("/", -1));
            Route route = null;
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
            if (route == null) {
                throw pathMatched
                        ? new ApiException(ErrorCode.METHOD_NOT_ALLOWED, request.getMethod() + " is not allowed here")
                        : new ApiException(ErrorCode.ROUTE_NOT_FOUND, "no such route: " + request.getMethod() + " "
                                + Request.getPathInContext(request));
            }
            Exchange exchange = new Exchange(request, response, params, maxBody, callback);
            route.action().handle(exchange);
            if (!exchange.handedOff()) {
                callback.succeeded();
            }
        } catch (EofException e) {
            callback.failed(e); // the client went away mid-response
        } catch (Exception e) {
            fail(request, response, callback, e);
        }
        return true;
    }

    private boolean authorized(Request request) {
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return token.matches(auth.substring(7).strip());
    }

    private static void fail(Request request, Response response, Callback callback, Exception e) {
        if (response.isCommitted()) {
            // mid-stream (usually the client went away): the status line is gone, so end the stream
            // without an exit frame; the client re-attaches by offset
            LOG.log(System.Logger.Level.DEBUG, "stream ended early: " + e);
            callback.failed(e);
            return;
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
            byte[] body = dev.berth.api.Json.mapper().writeValueAsBytes(ErrorResponse.of(code, message));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(body), callback);
        } catch (IOException io) {
            callback.failed(io);
        }
    }
}
