package dev.berth.api.model;

import java.time.Instant;
import java.util.Map;

/**
 * A session as the API reports it.
 *
 * @param stateReason why the session is in its state, e.g. "idle for 15m" (null while running)
 * @param lastActivityAt the last command, output read or resume; idle time and retention count from it
 * @param idleTimeoutSeconds idle time after which a running session is stopped; null: never
 * @param retentionSeconds inactive time after which a stopped session's workspace is reclaimed
 * @param maxLifetimeSeconds time after creation at which the session ends; null: no limit
 * @param idleStopAt when a running session will be stopped if nothing happens (and no command runs)
 * @param reclaimAt when the workspace will be reclaimed if nothing happens; null once expired
 * @param diskUsedBytes bytes used in the workspace, when its file system is mounted
 * @param memoryUsedBytes resident memory of the running sandbox (its processes and supervisor); null when not running
 * @param runtime the runtime version it runs ({@code name@version}); null for a plain session
 * @param agent its agent's health; null for a plain session
 * @param owner the user who created it
 * @param sharedWith who else may use it: {@code user:NAME}, {@code group:NAME}
 */
public record SessionInfo(
        String id,
        SessionState state,
        String stateReason,
        Instant createdAt,
        Instant lastActivityAt,
        Limits limits,
        Map<String, String> env,
        String workspace,
        Long idleTimeoutSeconds,
        long retentionSeconds,
        Long maxLifetimeSeconds,
        Instant idleStopAt,
        Instant reclaimAt,
        Long diskUsedBytes,
        Long memoryUsedBytes,
        String runtime,
        AgentInfo agent,
        String owner,
        java.util.List<String> sharedWith,
        Egress egress) {}
