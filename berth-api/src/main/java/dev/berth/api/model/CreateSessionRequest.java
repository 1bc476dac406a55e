package dev.berth.api.model;

import java.util.Map;

/**
 * {@code POST /v1/sessions}. Every field is optional; a missing id is generated, a missing limit or
 * time takes the server's default.
 *
 * @param idleTimeoutSeconds stop the session after this long without activity; 0 never
 * @param retentionSeconds reclaim a stopped session's workspace after this long without activity
 * @param maxLifetimeSeconds end the session (processes and workspace) this long after it was
 *     created, whatever it is doing; 0 asks for no limit beyond the server's own
 * @param runtime {@code NAME} or {@code NAME@VERSION}: start the runtime's agent in the session;
 *     absent, a plain session
 * @param egress destinations beyond the gateway this session's sandbox may reach; absent, only what
 *     the server grants every session and its runtime
 */
public record CreateSessionRequest(
        String id,
        Map<String, String> env,
        Limits limits,
        Long idleTimeoutSeconds,
        Long retentionSeconds,
        Long maxLifetimeSeconds,
        String runtime,
        Egress egress) {

    public static final CreateSessionRequest DEFAULTS = new CreateSessionRequest(null, null, null, null, null, null, null);

    public CreateSessionRequest(String id, Map<String, String> env, Limits limits, Long idleTimeoutSeconds,
            Long retentionSeconds, Long maxLifetimeSeconds, String runtime) {
        this(id, env, limits, idleTimeoutSeconds, retentionSeconds, maxLifetimeSeconds, runtime, null);
    }

    public CreateSessionRequest(String id, Map<String, String> env, Limits limits, Long idleTimeoutSeconds,
            Long retentionSeconds, Long maxLifetimeSeconds) {
        this(id, env, limits, idleTimeoutSeconds, retentionSeconds, maxLifetimeSeconds, null);
    }

    public static CreateSessionRequest of(String id, Map<String, String> env, Limits limits) {
        return new CreateSessionRequest(id, env, limits, null, null, null, null);
    }
}
