package dev.berth.api.model;

/**
 * Stable error codes of the HTTP API. The wire form is the lower-case {@link #code()}; clients may
 * rely on it, so codes are only ever added, never renamed.
 */
public enum ErrorCode {
    UNAUTHORIZED(401, "unauthorized"),
    /** A bearer token that was valid once: expired or revoked. Log in again or ask for a new one. */
    TOKEN_EXPIRED(401, "token_expired"),
    /** Authenticated, but the role does not allow this call (session calls answer not-found instead). */
    FORBIDDEN(403, "forbidden"),
    TOKEN_NOT_FOUND(404, "token_not_found"),
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
    RUNTIME_NOT_FOUND(404, "runtime_not_found"),
    /** Sessions still run the version(s) to remove. */
    RUNTIME_IN_USE(409, "runtime_in_use"),
    /** The session named in an invocation was made from another runtime. */
    RUNTIME_MISMATCH(409, "runtime_mismatch"),
    INVALID_RUNTIME_NAME(400, "invalid_runtime_name"),
    RUNTIME_NO_ENTRYPOINT(422, "runtime_no_entrypoint"),
    RUNTIME_INVALID_PROJECT(422, "runtime_invalid_project"),
    RUNTIME_DEPENDENCIES_FAILED(422, "runtime_dependencies_failed"),
    /** A harness Berth cannot install (no npm package): deploy it from an image that has its CLI. */
    HARNESS_NOT_INSTALLABLE(422, "harness_not_installable"),
    /** No built-in harness has that name (the message lists them). */
    HARNESS_UNKNOWN(400, "harness_unknown"),
    /** Hostile or broken archives, refused before anything is stored. */
    ARCHIVE_UNSAFE_PATH(422, "archive_unsafe_path"),
    ARCHIVE_LINK_ESCAPE(422, "archive_link_escape"),
    ARCHIVE_SPECIAL_FILE(422, "archive_special_file"),
    ARCHIVE_TOO_LARGE(413, "archive_too_large"),
    ARCHIVE_CORRUPT(422, "archive_corrupt"),
    /** Images that cannot be pulled or are not what they claim. */
    IMAGE_INVALID_REFERENCE(400, "image_invalid_reference"),
    IMAGE_NOT_FOUND(404, "image_not_found"),
    IMAGE_UNAUTHORIZED(403, "image_unauthorized"),
    IMAGE_UNREACHABLE(502, "image_unreachable"),
    IMAGE_REGISTRY_ERROR(502, "image_registry_error"),
    IMAGE_INVALID_MANIFEST(422, "image_invalid_manifest"),
    IMAGE_UNSUPPORTED(422, "image_unsupported"),
    IMAGE_PLATFORM_NOT_FOUND(422, "image_platform_not_found"),
    IMAGE_DIGEST_MISMATCH(422, "image_digest_mismatch"),
    IMAGE_TRUNCATED(422, "image_truncated"),
    IMAGE_TOO_LARGE(413, "image_too_large"),
    /** The session's agent does not answer on its port (starting, crashed, or never listening). */
    AGENT_UNAVAILABLE(503, "agent_unavailable"),
    ARENA_NOT_FOUND(404, "arena_not_found"),
    /** An arena's agent named a runtime that was not deployed with {@code --harness}, nor a harness of one. */
    RUNTIME_NOT_HARNESS(422, "runtime_not_harness"),
    /** The arena is over: it cannot be stopped again (its results stay). */
    ARENA_OVER(409, "arena_over"),
    /** A gateway connection that no running session's shim made (or whose session is gone). */
    GATEWAY_UNKNOWN_SESSION(403, "gateway_unknown_session"),
    /** A model call whose key is not the placeholder Berth gave this session. */
    GATEWAY_KEY_INVALID(401, "gateway_key_invalid"),
    /** The session's token or cost budget is spent: no further model calls. */
    BUDGET_EXHAUSTED(429, "budget_exhausted"),
    MODEL_PROVIDER_NOT_CONFIGURED(404, "model_provider_not_configured"),
    /** The gateway could not reach, or got no answer from, the upstream it forwards to. */
    UPSTREAM_UNAVAILABLE(502, "upstream_unavailable"),
    /** The session's egress policy does not allow this destination. */
    EGRESS_DENIED(403, "egress_denied"),
    /** The MCP tool exists upstream but this session's runtime or role may not call it. */
    TOOL_DENIED(403, "tool_denied"),
    /** No upstream MCP server offers a tool of that name. */
    TOOL_NOT_FOUND(404, "tool_not_found"),
    /** The MCP client cancelled the tool call (the upstream server was told to stop). */
    TOOL_CANCELLED(409, "tool_cancelled"),
    /** The upstream MCP server answered the tool call with a JSON-RPC error. */
    TOOL_FAILED(502, "tool_failed"),
    SECRET_NOT_FOUND(404, "secret_not_found"),
    INVALID_SECRET_NAME(400, "invalid_secret_name"),
    /** No usable key for the secrets store (missing, unreadable or the wrong one for what is stored). */
    SECRETS_KEY_UNAVAILABLE(503, "secrets_key_unavailable"),
    /** A stored secret whose row was altered: the key is right, the ciphertext, nonce or name is not what was sealed. */
    SECRET_CORRUPTED(500, "secret_corrupted"),
    /** Nothing at that path of a session's workspace (or a link that leads out of it). */
    FILE_NOT_FOUND(404, "file_not_found"),
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
