package dev.berth.server.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The threads serving endless streams (audit and log follows): they only end when their client
 * goes, so a stopping server interrupts them rather than wait out its stop timeout.
 */
public final class Followers {
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** Runs {@code body} on the calling thread, interruptible by {@link #stopAll}. */
    void run(Body body) throws Exception {
        Thread me = Thread.currentThread();
        threads.add(me);
        try {
            if (stopping) {
                throw new InterruptedException("the server is stopping");
            }
            body.run();
        } finally {
            threads.remove(me);
        }
    }

    /** Starts {@code body} on a virtual thread of its own, interruptible by {@link #stopAll}. */
    void start(String name, Runnable body) {
        Thread.ofVirtual().name(name).start(() -> {
            try {
                run(body::run);
            } catch (Exception e) {
                // stopped: the stream ends
            }
        });
    }

    /** Ends every follow now. */
    public void stopAll() {
        stopping = true;
        threads.forEach(Thread::interrupt);
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }
}
