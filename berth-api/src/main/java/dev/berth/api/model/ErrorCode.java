package dev.berth.api.model;

/**
 * Stable error codes of the HTTP API. The wire form is the lower-case {@link #code()}; clients may
 * rely on it, so codes are only ever added, never renamed.
 */
public enum ErrorCode {
    UNAUTHORIZED(401, "unauthorized"),
    ROUTE_NOT_FOUND(404, "route_not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    SESSION_NOT_FOUND(404, "session_not_found"),
    COMMAND_NOT_FOUND(404, "command_not_found"),
    SESSION_EXISTS(409, "session_exists"),
    SESSION_EXPIRED(410, "session_expired"),
    INVALID_SESSION_ID(400, "invalid_session_id"),
    MALFORMED_JSON(400, "malformed_json"),
    MISSING_FIELD(400, "missing_field"),
    INVALID_FIELD(400, "invalid_field"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
    NO_TERMINAL(409, "no_terminal"),
    COMMAND_FINISHED(409, "command_finished"),
    INPUT_BACKLOG(429, "input_backlog"),
    /** A terminal's socket asked for over plain HTTP: it needs a WebSocket upgrade. */
    UPGRADE_REQUIRED(426, "upgrade_required"),
    /** A terminal socket frame of a type the server does not know; the socket stays open. */
    UNKNOWN_FRAME(400, "unknown_frame"),
    SANDBOX_UNAVAILABLE(503, "sandbox_unavailable"),
    SANDBOX_FAILED(500, "sandbox_failed"),
    DISK_QUOTA_UNAVAILABLE(503, "disk_quota_unavailable"),
    INTERNAL(500, "internal_error");

    private final int httpStatus;
    private final String code;

    ErrorCode(int httpStatus, String code) {
        this.httpStatus = httpStatus;
        this.code = code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String code() {
        return code;
    }

    public static ErrorCode fromCode(String code) {
        for (ErrorCode c : values()) {
            if (c.code.equals(code)) {
                return c;
            }
        }
        return INTERNAL;
    }
}
