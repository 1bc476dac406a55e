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
        UnaryOperator<AuditEvent> redactor) {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_CHECKPOINT_EVERY = 1000;

    public AuditOptions {
        if (segmentBytes < 1 || checkpointEvery < 1 || queueCapacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("audit options must be positive: " + segmentBytes + ", " + checkpointEvery
                    + ", " + queueCapacity + ", " + maxBatch);
        }
        Objects.requireNonNull(redactor, "redactor");
    }

    public static AuditOptions defaults() {
        return new AuditOptions(DEFAULT_SEGMENT_BYTES, DEFAULT_CHECKPOINT_EVERY, 16_384, 4096, UnaryOperator.identity());
    }

    public AuditOptions withSegmentBytes(long bytes) {
        return new AuditOptions(bytes, checkpointEvery, queueCapacity, maxBatch, redactor);
    }

    public AuditOptions withCheckpointEvery(int events) {
        return new AuditOptions(segmentBytes, events, queueCapacity, maxBatch, redactor);
    }

    public AuditOptions withQueueCapacity(int drafts) {
        return new AuditOptions(segmentBytes, checkpointEvery, drafts, maxBatch, redactor);
    }

    public AuditOptions withRedactor(UnaryOperator<AuditEvent> newRedactor) {
        return new AuditOptions(segmentBytes, checkpointEvery, queueCapacity, maxBatch, newRedactor);
    }
}
