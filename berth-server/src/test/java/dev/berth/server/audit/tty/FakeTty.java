package dev.berth.server.audit.tty;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.TerminalSize;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A terminal whose output the test writes: each {@link #print} is one chunk for a reader (so a
 * test decides where chunks split), {@link #trim} drops old output, {@link #exit} ends it. Like
 * a sandbox's cursor, a reader's next call says it is done with the chunk before
 * ({@link #consumed}).
 */
final class FakeTty implements RunningCommand {
    private final List<long[]> pieces = new ArrayList<>(); // {offset, length}
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private long firstRetained;
    private CommandExit exit;
    private long consumed;
    private int openCursors;

    @Override
    public String id() {
        return "t-fake";
    }

    synchronized void print(byte[] bytes) {
        pieces.add(new long[] {all.size(), bytes.length});
        all.writeBytes(bytes);
        notifyAll();
    }

    void print(String text) {
        print(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Output before {@code offset} is gone. */
    synchronized void trim(long offset) {
        firstRetained = offset;
    }

    synchronized void exit(int code) {
        exit = new CommandExit(code, 0, false, 0, 0, all.size());
        notifyAll();
    }

    /** Everything printed. */
    synchronized byte[] printed() {
        return all.toByteArray();
    }

    /** Offset up to which a reader asked for more after reading. */
    synchronized long consumed() {
        return consumed;
    }

    synchronized int openCursors() {
        return openCursors;
    }

    @Override
    public synchronized Optional<CommandExit> exit() {
        return Optional.ofNullable(exit);
    }

    @Override
    public synchronized OutputCursor follow(long from) {
        openCursors++;
        return new OutputCursor() {
            long offset = from;
            boolean closed;

            @Override
            public OutputChunk next(Duration idleAfter) throws InterruptedException {
                synchronized (FakeTty.this) {
                    consumed = Math.max(consumed, offset);
                    FakeTty.this.notifyAll();
                    if (offset < firstRetained) {
                        long gapFrom = offset;
                        offset = firstRetained;
                        return new OutputChunk.Gap(gapFrom, firstRetained);
                    }
                    long deadline = idleAfter == null ? Long.MAX_VALUE : System.nanoTime() + idleAfter.toNanos();
                    while (offset >= all.size()) {
                        if (exit != null) {
                            return new OutputChunk.End(exit);
                        }
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return new OutputChunk.Idle();
                        }
                        FakeTty.this.wait(Math.max(1, left / 1_000_000));
                    }
                    long[] piece = pieces.stream().filter(p -> p[0] <= offset && offset < p[0] + p[1]).findFirst().orElseThrow();
                    int length = (int) (piece[0] + piece[1] - offset);
                    ByteBuffer data = ByteBuffer.wrap(all.toByteArray(), (int) offset, length).slice();
                    OutputChunk.Data d = new OutputChunk.Data(false, offset, data);
                    offset += length;
                    return d;
                }
            }

            @Override
            public void close() {
                synchronized (FakeTty.this) {
                    if (!closed) {
                        closed = true;
                        openCursors--;
                    }
                }
            }
        };
    }

    @Override
    public synchronized long firstRetainedOffset() {
        return firstRetained;
    }

    @Override
    public synchronized long endOffset() {
        return all.size();
    }

    @Override
    public void signal(int signal) {}

    @Override
    public void write(byte[] input) {}

    @Override
    public void resize(TerminalSize size) {}
}
