package dev.berth.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.identity.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Fields;

/** One API call: the request, its path parameters, and blocking helpers to read JSON and answer. */
public final class Exchange {
    final Request request;
    final Response response;
    private final Map<String, String> params;
    private final int maxBody;
    private final org.eclipse.jetty.util.Callback callback;
    private final Principal principal;
    private final Map<String, Object> auditDetails = new java.util.LinkedHashMap<>();
    private String auditSession;
    private String auditResource;
    private String auditAction;
    private boolean handedOff;
    private boolean audited;
    private Runnable auditNow;

    Exchange(Request request, Response response, Map<String, String> params, int maxBody,
            org.eclipse.jetty.util.Callback callback, Principal principal) {
        this.request = request;
        this.response = response;
        this.params = params;
        this.maxBody = maxBody;
        this.callback = callback;
        this.principal = principal;
    }

    /** Who is calling. */
    Principal principal() {
        return principal;
    }

    /** The client's address, {@code host:port}. */
    String source() {
        return sourceOf(request);
    }

    /** A request's client address, {@code host:port}, as the audit records it. */
    static String sourceOf(Request request) {
        return Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
    }

    /** Adds a fact to this call's audit event (never a secret: the log redacts known ones, but do not rely on it). */
    Exchange audit(String key, Object value) {
        if (value != null) {
            auditDetails.put(key, value);
        }
        return this;
    }

    /** Names this call's audit action where it depends on the call (a command on a terminal is a {@code tty.open}). */
    Exchange auditAction(String action) {
        auditAction = action;
        return this;
    }

    String auditAction() {
        return auditAction;
    }

    /** Names the session and resource of this call's audit event where the path does not. */
    Exchange auditTarget(String session, String resource) {
        auditSession = session;
        auditResource = resource;
        return this;
    }

    Map<String, Object> auditDetails() {
        return auditDetails;
    }

    String auditSession() {
        return auditSession != null ? auditSession : params.get("id");
    }

    String auditResource() {
        if (auditResource != null) {
            return auditResource;
        }
        if (params.containsKey("cid")) {
            return "command/" + params.get("cid");
        }
        if (params.containsKey("arena")) {
            return "arena/" + params.get("arena");
        }
        if (params.containsKey("id")) {
            return "session/" + params.get("id");
        }
        if (params.containsKey("secret")) {
            return "secret/" + params.get("secret");
        }
        if (params.containsKey("name")) {
            return "runtime/" + params.get("name");
        }
        return null;
    }

    /** Records this call's audit event now, as it begins (for long calls: streams, sockets, invocations). */
    void auditNow() {
        if (!audited && auditNow != null) {
            audited = true;
            auditNow.run();
        }
    }

    void onAuditNow(Runnable record) {
        auditNow = record;
    }

    boolean wasAudited() {
        return audited;
    }

    /**
     * Turns this call into a WebSocket served by what {@code creator} makes; an HTTP call that
     * did not ask for the upgrade is refused with {@code upgrade_required}.
     */
    void upgrade(org.eclipse.jetty.websocket.server.ServerWebSocketContainer container,
            org.eclipse.jetty.websocket.server.WebSocketCreator creator) {
        if (!container.upgrade(creator, request, response, callback)) {
            throw new ApiException(ErrorCode.UPGRADE_REQUIRED,
                    "this is a WebSocket endpoint: connect with an Upgrade: websocket request");
        }
        handedOff = true;
    }

    /** Whether the call now belongs to a WebSocket, which completes it. */
    boolean handedOff() {
        return handedOff;
    }

    String param(String name) {
        return params.get(name);
    }

    String query(String name) {
        Fields fields = Request.extractQueryParameters(request);
        Fields.Field f = fields.get(name);
        return f == null ? null : f.getValue();
    }

    String header(HttpHeader h) {
        return request.getHeaders().get(h);
    }

    String header(String name) {
        return request.getHeaders().get(name);
    }

    /** The request body as it came, up to the size limit. */
    byte[] bytes() throws IOException {
        return bytes(maxBody);
    }

    /** The request body as it came, refused with {@code payload_too_large} beyond {@code max} bytes. */
    byte[] bytes(int max) throws IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (request.getLength() > max) {
                throw tooLarge(in, max);
            }
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw tooLarge(in, max);
            }
            return bytes;
        }
    }

    /**
     * The refusal of an oversized body, after reading and dropping what the client is still sending
     * (up to a bound): answering mid-upload and closing made some clients see a reset instead of the
     * 413. A larger body gets the answer and the connection closed, as before.
     */
    private ApiException tooLarge(InputStream in, int max) throws IOException {
        long limit = 4L * max + (1 << 20);
        for (long dropped = 0; dropped < limit; ) {
            long n = in.skip(Math.min(64 << 10, limit - dropped));
            if (n <= 0) {
                break;
            }
            dropped += n;
        }
        return max == maxBody ? tooLarge()
                : new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "this body is limited to " + max + " bytes");
    }

    /** Streams the request body into {@code dest}, refusing more than {@code max} bytes (the file is then incomplete). */
    long bodyTo(java.nio.file.Path dest, long max) throws IOException {
        if (request.getLength() > max) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "uploads are limited to " + max + " bytes");
        }
        long total = 0;
        try (InputStream in = Content.Source.asInputStream(request);
                java.io.OutputStream out = java.nio.file.Files.newOutputStream(dest)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > max) {
                    throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "uploads are limited to " + max + " bytes");
                }
                out.write(buf, 0, n);
            }
        }
        return total;
    }

    /** Reads the JSON body into {@code type}; an absent body gives {@code ifEmpty}. */
    <T> T body(Class<T> type, T ifEmpty) throws IOException {
        String contentType = header(HttpHeader.CONTENT_TYPE);
        byte[] bytes = bytes();
        if (bytes.length == 0 || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            if (ifEmpty == null) {
                throw new ApiException(ErrorCode.MISSING_FIELD, "this call needs a JSON body");
            }
            return ifEmpty;
        }
        if (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json")) {
            throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json, not " + contentType);
        }
        try {
            T value = Json.mapper().readValue(bytes, type);
            if (value == null) {
                throw new ApiException(ErrorCode.MALFORMED_JSON, "the body must be a JSON object");
            }
            return value;
        } catch (MismatchedInputException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "a field has the wrong type: " + fieldPath(e));
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private ApiException tooLarge() {
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request bodies are limited to " + maxBody + " bytes");
    }

    private static String fieldPath(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "(body)" : sb.toString();
    }

    void json(int status, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : Json.mapper().writeValueAsBytes(body);
        response.setStatus(status);
        if (body != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        Content.Sink.write(response, true, ByteBuffer.wrap(bytes));
    }
}
