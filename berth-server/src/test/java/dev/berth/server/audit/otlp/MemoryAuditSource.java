package dev.berth.server.audit.otlp;

import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** An audit log in memory, numbering from 1 like the real one, that remembers what it was waited on for. */
final class MemoryAuditSource implements AuditSource {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private final List<AuditEvent> events = new ArrayList<>();
    private final Set<Long> awaitedAfter = ConcurrentHashMap.newKeySet();

    AuditEvent append(String principal, String authMethod, String source, String session, String resource,
            String action, String outcome, Map<String, Object> details) {
        lock.lock();
        try {
            AuditEvent e = new AuditEvent(events.size() + 1, Instant.now(), principal, authMethod, source, session,
                    resource, action, outcome, details);
            events.add(e);
            grown.signalAll();
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** {@code n} plain command events. */
    void appendCommands(int n) {
        for (int i = 0; i < n; i++) {
            append("alice", "token", "127.0.0.1:5000", "s-1", "command/c-" + i, "command.exit", "ok",
                    Map.of("exit", 0));
        }
    }

    /** Whether someone has waited for events after {@code seq}. */
    boolean awaited(long seq) {
        return awaitedAfter.contains(seq);
    }

    @Override
    public List<AuditEvent> read(long afterSeq, int max) {
        lock.lock();
        try {
            int from = (int) Math.min(afterSeq, events.size());
            return List.copyOf(events.subList(from, Math.min(events.size(), from + max)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitAfter(long afterSeq, Duration timeout) throws InterruptedException {
        awaitedAfter.add(afterSeq);
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (events.size() <= afterSeq) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = grown.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long lastSeq() {
        lock.lock();
        try {
            return events.size();
        } finally {
            lock.unlock();
        }
    }

    static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }
}
