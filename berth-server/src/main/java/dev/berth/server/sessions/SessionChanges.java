package dev.berth.server.sessions;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counter of changes to any session (a create, start, stop, expiry, removal, share, activity),
 * which followers of the session list wait on. It says only that something changed, not what:
 * a follower looks again at what it may see, so one signal serves every caller's view.
 */
public final class SessionChanges {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long version;

    void changed() {
        lock.lock();
        try {
            version++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The number of changes so far. */
    public long version() {
        lock.lock();
        try {
            return version;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until there was a change after {@code seen}, or {@code timeout} passed; the version then. */
    public long awaitAfter(long seen, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (version == seen && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return version;
        } finally {
            lock.unlock();
        }
    }
}
