package dev.berth.server.store;

import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.ResourceLimits;
import java.time.Instant;
import java.util.Map;

/** A session as stored. */
public record SessionRecord(
        String id,
        SessionState state,
        String driver,
        Instant createdAt,
        Instant lastActivityAt,
        ResourceLimits limits,
        Map<String, String> env) {

    public SessionRecord {
        env = Map.copyOf(env);
    }

    public SessionRecord withState(SessionState s, Instant at) {
        return new SessionRecord(id, s, driver, createdAt, at, limits, env);
    }
}
