package dev.berth.server.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long a session may live. As a session's own request, a null field means "the server's
 * default"; once {@linkplain LifecyclePolicy#resolve resolved}, no field is null.
 *
 * @param idleTimeout a running session with no activity and no running command for this long is
 *     stopped; zero never
 * @param retention a session inactive for this long has its workspace reclaimed (it expires)
 * @param maxLifetime the session ends this long after its creation, whatever it does; zero never
 */
public record Lifetime(Duration idleTimeout, Duration retention, Duration maxLifetime) {
    public static final Lifetime SERVER_DEFAULTS = new Lifetime(null, null, null);

    /** When a running session becomes idle if nothing happens; empty when it never does. */
    public Optional<Instant> idleStopAt(Instant lastActivity) {
        return idleTimeout.isZero() ? Optional.empty() : Optional.of(lastActivity.plus(idleTimeout));
    }

    /** When the session's end is forced by its maximum lifetime; empty without one. */
    public Optional<Instant> endsAt(Instant createdAt) {
        return maxLifetime.isZero() ? Optional.empty() : Optional.of(createdAt.plus(maxLifetime));
    }

    /** When the workspace is reclaimed if nothing happens: after retention, or at the end of life. */
    public Instant reclaimAt(Instant createdAt, Instant lastActivity) {
        Instant retained = lastActivity.plus(retention);
        return endsAt(createdAt).filter(end -> end.isBefore(retained)).orElse(retained);
    }
}
