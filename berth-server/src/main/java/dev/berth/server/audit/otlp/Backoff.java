package dev.berth.server.audit.otlp;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits between retries of one batch: doubling from {@link #INITIAL} up to a ceiling, each wait
 * drawn from its upper half so that many exporters behind one collector do not retry in step.
 */
final class Backoff {
    static final Duration INITIAL = Duration.ofMillis(100);

    private final long maxNanos;
    private long nextNanos;

    Backoff(Duration max) {
        this.maxNanos = max.toNanos();
        this.nextNanos = Math.min(INITIAL.toNanos(), maxNanos);
    }

    /** The wait before the next retry; a receiver's Retry-After, when given, replaces it. */
    Duration next(Duration retryAfter) {
        long current = nextNanos;
        nextNanos = Math.min(maxNanos, current > maxNanos / 2 ? maxNanos : current * 2);
        if (retryAfter != null) {
            return retryAfter;
        }
        long half = current / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(current - half + 1));
    }
}
