package dev.berth.sandbox.spi;

import java.time.Duration;

/**
 * Reads a command's output in order, blocking until more arrives. Calling {@link #next} again
 * tells the sandbox the previous chunk was consumed, which is what lets a slow reader slow the
 * command down instead of losing output. Not thread-safe.
 */
public interface OutputCursor extends AutoCloseable {

    /**
     * The next chunk; an {@link OutputChunk.End} is last. The returned data is valid until the next
     * call. While the command runs and prints nothing, returns {@link OutputChunk.Idle} once
     * {@code idleAfter} has passed (a streaming reader uses that to find out that its own client is
     * gone); {@code null} waits as long as it takes.
     */
    OutputChunk next(Duration idleAfter) throws java.io.IOException, InterruptedException;

    /** {@link #next(Duration)} without a limit: never {@link OutputChunk.Idle}. */
    default OutputChunk next() throws java.io.IOException, InterruptedException {
        return next(null);
    }

    @Override
    void close();
}
