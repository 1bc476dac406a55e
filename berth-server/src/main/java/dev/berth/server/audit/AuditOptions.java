package dev.berth.server.audit;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The tunables of an {@link AuditLog}.
 *
 * @param segmentBytes    a segment is rolled before a line would take it past this size (a longer
 *                        line gets a segment of its own)
 * @param checkpointEvery a signed checkpoint follows the group commit that takes the log this many
 *                        events past the previous one; closing the log writes one too
 * @param queueCapacity   drafts waiting for the writer; {@link AuditLog#record} blocks while it is full
 * @param maxBatch        most events in one group commit
 * @param redactor        applied to every draft before it is sealed, e.g. to mask secrets in details
 */
public record AuditOptions(long segmentBytes, int checkpointEvery, int queueCapacity, int maxBatch,
        UnaryOperator<AuditEvent> redactor, java.time.Duration commitDelay) {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_CHECKPOINT_EVERY = 1000;

    public AuditOptions {
        if (segmentBytes < 1 || checkpointEvery < 1 || queueCapacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("audit options must be positive: " + segmentBytes + ", " + checkpointEvery
                    + ", " + queueCapacity + ", " + maxBatch);
        }
        Objects.requireNonNull(redactor, "redactor");
        if (commitDelay.isNegative()) {
            throw new IllegalArgumentException("commitDelay must not be negative: " + commitDelay);
        }
    }

    public static AuditOptions defaults() {
        return new AuditOptions(DEFAULT_SEGMENT_BYTES, DEFAULT_CHECKPOINT_EVERY, 16_384, 4096, UnaryOperator.identity(),
                java.time.Duration.ZERO);
    }

    public AuditOptions withSegmentBytes(long bytes) {
        return new AuditOptions(bytes, checkpointEvery, queueCapacity, maxBatch, redactor, commitDelay);
    }

    public AuditOptions withCheckpointEvery(int events) {
        return new AuditOptions(segmentBytes, events, queueCapacity, maxBatch, redactor, commitDelay);
    }

    public AuditOptions withQueueCapacity(int drafts) {
        return new AuditOptions(segmentBytes, checkpointEvery, drafts, maxBatch, redactor, commitDelay);
    }

    /**
     * How long the writer waits after an event for more before writing and forcing them together:
     * fewer forces (each one stalls the file system's other writers), at the price of events
     * becoming durable that much later.
     */
    public AuditOptions withCommitDelay(java.time.Duration delay) {
        return new AuditOptions(segmentBytes, checkpointEvery, queueCapacity, maxBatch, redactor, delay);
    }

    public AuditOptions withRedactor(UnaryOperator<AuditEvent> newRedactor) {
        return new AuditOptions(segmentBytes, checkpointEvery, queueCapacity, maxBatch, newRedactor, commitDelay);
    }
}
