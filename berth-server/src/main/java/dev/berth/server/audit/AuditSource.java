package dev.berth.server.audit;

import java.time.Duration;
import java.util.List;

/** Reading the log in order, for exporters and followers. */
public interface AuditSource {
    /** Up to {@code max} durable events with {@code seq > afterSeq}, in order; empty if none yet. */
    List<AuditEvent> read(long afterSeq, int max);

    /**
     * Waits until an event with {@code seq > afterSeq} is durable or {@code timeout} passes.
     *
     * @return whether such an event exists now
     */
    boolean awaitAfter(long afterSeq, Duration timeout) throws InterruptedException;

    /** The highest durable seq, 0 for an empty log. */
    long lastSeq();
}
