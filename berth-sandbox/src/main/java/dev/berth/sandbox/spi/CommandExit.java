package dev.berth.sandbox.spi;

/**
 * How a command ended.
 *
 * @param code exit code, or -1 when ended by a signal
 * @param signal the signal that ended it, or 0
 * @param startedMs wall clock at start, epoch millis
 * @param endedMs wall clock at exit, epoch millis
 * @param endOffset total output bytes
 */
public record CommandExit(int code, int signal, boolean timedOut, long startedMs, long endedMs, long endOffset) {
    public long durationMs() {
        return Math.max(0, endedMs - startedMs);
    }
}
