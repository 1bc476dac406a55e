package dev.berth.server.http;

import dev.berth.api.Json;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/** Errors Jetty raises before our handler runs (bad URIs, bad headers) answered as JSON too, never HTML. */
public final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        int status = response.getStatus() >= 400 ? response.getStatus() : 400;
        ErrorCode code = switch (status) {
            case 404 -> ErrorCode.ROUTE_NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413, 431 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 400 -> ErrorCode.INVALID_FIELD;
            default -> ErrorCode.INTERNAL;
        };
        Object reason = request.getAttribute(ERROR_MESSAGE);
        byte[] body = Json.mapper().writeValueAsBytes(ErrorResponse.of(code,
                reason != null ? reason.toString() : "HTTP " + status));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
