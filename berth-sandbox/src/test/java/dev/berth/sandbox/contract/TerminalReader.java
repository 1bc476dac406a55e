package dev.berth.sandbox.contract;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reads what a terminal command shows, the way a test waits for a prompt: until some text
 * appears (after what was already awaited), or a deadline passes and the test fails with the
 * screen so far. Synchronises on output, never on time.
 */
public final class TerminalReader implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final OutputCursor cursor;
    private final StringBuilder screen = new StringBuilder();
    private int consumed;
    private CommandExit exit;

    public TerminalReader(OutputCursor cursor) {
        this.cursor = cursor;
    }

    /** Reads until {@code text} shows up after the previous match; returns everything up to it. */
    public String await(String text) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            int at = screen.indexOf(text, consumed);
            if (at >= 0) {
                String upTo = screen.substring(consumed, at + text.length());
                consumed = at + text.length();
                return upTo;
            }
            if (exit != null || System.nanoTime() > deadline) {
                throw new AssertionError("waited for " + quote(text) + (exit != null ? " until the command exited " + exit
                        : " for " + PATIENCE) + "; the terminal showed " + quote(screen.substring(consumed)));
            }
            read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
    }

    /** Reads to the end; returns how the command ended. */
    public CommandExit awaitExit() throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (exit == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the command did not exit; the terminal showed " + quote(screen.substring(consumed)));
            }
            read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        return exit;
    }

    private void read(Duration wait) throws Exception {
        switch (cursor.next(wait)) {
            case OutputChunk.Data d -> screen.append(StandardCharsets.UTF_8.decode(d.data()));
            case OutputChunk.End e -> exit = e.exit();
            case OutputChunk.Gap g -> throw new AssertionError("a live terminal reader saw a gap " + g);
            case OutputChunk.Idle i -> { } // the deadline decides
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n").replace("\u001b", "\\e") + "\"";
    }

    @Override
    public void close() {
        cursor.close();
    }
}
