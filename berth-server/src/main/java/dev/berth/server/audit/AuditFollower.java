package dev.berth.server.audit;

import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One {@link AuditLog#follow} subscription: a virtual thread that reads durable events from disk
 * with its own cursor and hands them to the listener in order. Backlog and live events come the same
 * way, so there is no hand-over between them to get wrong, and the writer only ever signals: a slow
 * listener falls behind on its own thread while the writer goes on.
 */
final class AuditFollower implements AuditLog.Subscription {
    private static final System.Logger LOG = System.getLogger(AuditFollower.class.getName());
    private static final int BATCH = 512;
    // a bound on each wait, so that a closed log is noticed even without a last signal
    private static final Duration WAIT = Duration.ofSeconds(1);

    private final AuditLog log;
    private final long afterSeq;
    private final Consumer<AuditEvent> listener;
    private final Thread thread;
    private volatile boolean closed;

    AuditFollower(AuditLog log, long afterSeq, Consumer<AuditEvent> listener) {
        this.log = log;
        this.afterSeq = afterSeq;
        this.listener = listener;
        this.thread = Thread.ofVirtual().name("audit-follow-after-" + afterSeq).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try (LogCursor cursor = log.cursor(afterSeq)) {
            long last = afterSeq;
            while (!closed) {
                long cap = log.lastSeq();
                List<AuditEvent> batch = cursor.next(cap, BATCH);
                if (batch.isEmpty()) {
                    // nothing readable up to cap: wait for more than cap, not more than last, or this would spin
                    log.awaitAfter(Math.max(last, cap), WAIT);
                    continue;
                }
                for (AuditEvent e : batch) {
                    if (closed) {
                        return;
                    }
                    listener.accept(e);
                    last = e.seq();
                }
            }
        } catch (InterruptedException | ClosedByInterruptException closing) {
            // close() interrupts a follower that is waiting or reading
        } catch (Exception e) {
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, "audit follower after seq " + afterSeq + " stopped", e);
            }
        } finally {
            log.forget(this);
        }
    }

    /** Stops deliveries; when it returns (on another thread than the listener's), none is in progress. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
