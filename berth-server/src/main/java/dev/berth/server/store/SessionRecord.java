package dev.berth.server.store;

import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.lifecycle.Lifetime;
import java.time.Instant;
import java.util.Map;

/**
 * A session as stored.
 *
 * @param stateReason why it is in its state (null while running)
 * @param lifetime the session's own lifetime settings; null fields take the server's
 * @param diskQuotaBytes size of the workspace's own file system; 0 when it has none
 * @param runtime the runtime version it runs ({@code name@version}); null for a plain session
 * @param owner the user who created it
 * @param sharedWith who else may use it: {@code user:NAME} and {@code group:NAME}
 * @param egress where its sandbox may connect beyond the gateway, on top of the server's and its runtime's rules
 * @param ownerRole the owner's role when they made it ({@code admin}, {@code operator}, {@code user}); null
 *     for sessions made before roles were kept
 */
public record SessionRecord(
        String id,
        SessionState state,
        String stateReason,
        String driver,
        Instant createdAt,
        Instant lastActivityAt,
        ResourceLimits limits,
        Map<String, String> env,
        Lifetime lifetime,
        long diskQuotaBytes,
        String runtime,
        String owner,
        java.util.List<String> sharedWith,
        EgressRules egress,
        String ownerRole) {

    public SessionRecord {
        env = Map.copyOf(env);
        sharedWith = java.util.List.copyOf(sharedWith);
        egress = egress == null ? EgressRules.NONE : egress;
    }

    public SessionRecord withState(SessionState s, String reason, Instant at) {
        Instant last = at.isAfter(lastActivityAt) ? at : lastActivityAt;
        return new SessionRecord(id, s, reason, driver, createdAt, last, limits, env, lifetime, diskQuotaBytes, runtime,
                owner, sharedWith, egress, ownerRole);
    }

    /** Same state, later activity (never earlier). */
    public SessionRecord touched(Instant at) {
        return withState(state, stateReason, at);
    }

    public SessionRecord withSharedWith(java.util.List<String> shares) {
        return new SessionRecord(id, state, stateReason, driver, createdAt, lastActivityAt, limits, env, lifetime,
                diskQuotaBytes, runtime, owner, shares, egress, ownerRole);
    }
}
