package dev.berth.sandbox.spi;

/**
 * Reads a command's output in order, blocking until more arrives. Calling {@link #next()} again
 * tells the sandbox the previous chunk was consumed, which is what lets a slow reader slow the
 * command down instead of losing output. Not thread-safe.
 */
public interface OutputCursor extends AutoCloseable {

    /** The next chunk; an {@link OutputChunk.End} is last. The returned data is valid until the next call. */
    OutputChunk next() throws java.io.IOException, InterruptedException;

    @Override
    void close();
}
