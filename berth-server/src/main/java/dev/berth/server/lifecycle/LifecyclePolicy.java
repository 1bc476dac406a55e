package dev.berth.server.lifecycle;

import java.time.Duration;

/**
 * The server's session lifetime settings: defaults for sessions that ask for nothing, and caps for
 * those that ask for more.
 *
 * @param defaults idle timeout, retention and maximum lifetime of a session (no null field)
 * @param diskQuotaBytes default size of a session's workspace file system; 0 for none
 */
public record LifecyclePolicy(Lifetime defaults, long diskQuotaBytes) {
    public static final LifecyclePolicy DEFAULTS = new LifecyclePolicy(
            new Lifetime(Duration.ofMinutes(15), Duration.ofDays(14), Duration.ofDays(90)), 10L << 30);

    public LifecyclePolicy {
        if (defaults.idleTimeout() == null || defaults.retention() == null || defaults.maxLifetime() == null) {
            throw new IllegalArgumentException("server lifetime settings must all be set");
        }
        if (defaults.retention().isZero() || defaults.retention().isNegative() || defaults.idleTimeout().isNegative()
                || defaults.maxLifetime().isNegative() || diskQuotaBytes < 0) {
            throw new IllegalArgumentException("retention must be positive; idle timeout, max lifetime and disk"
                    + " quota must not be negative");
        }
    }

    /**
     * A session's lifetime: its own settings where it has them, else the server's. Retention and
     * maximum lifetime are capped by the server's: they bound how long a workspace holds disk.
     */
    public Lifetime resolve(Lifetime own) {
        Duration idle = own.idleTimeout() != null ? own.idleTimeout() : defaults.idleTimeout();
        Duration retention = capped(own.retention(), defaults.retention());
        Duration max = own.maxLifetime() == null || own.maxLifetime().isZero() ? defaults.maxLifetime()
                : capped(own.maxLifetime(), defaults.maxLifetime());
        return new Lifetime(idle, retention, max);
    }

    private static Duration capped(Duration own, Duration cap) {
        if (own == null) {
            return cap;
        }
        return cap.isZero() || own.compareTo(cap) < 0 ? own : cap;
    }
}
