package dev.berth.server.audit.otlp;

import java.time.Duration;

/** How one POST of a batch ended, as far as the exporter's next step is concerned. */
sealed interface Attempt {
    /** A 2xx: the cursor may pass the batch. {@code rejected} records were dropped all the same. */
    record Delivered(long rejected, String message) implements Attempt { }

    /** A 4xx other than 429: this receiver will never take the batch, so it is skipped. */
    record Refused(int status, String message) implements Attempt { }

    /** Worth trying again; {@code retryAfter} is the receiver's wish, or null. */
    record Failed(String message, Duration retryAfter) implements Attempt { }
}
