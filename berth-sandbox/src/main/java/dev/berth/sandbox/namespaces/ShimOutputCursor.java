package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.output.SegmentLog;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Follows a command's output: reads the segment log directly and, while the command runs, waits on
 * a shim watch connection for progress events and acknowledges what it consumed (the shim's flow
 * control). When the shim is gone without an exit record, the command is reported as killed.
 */
final class ShimOutputCursor implements OutputCursor {
    private static final int CHUNK = 256 << 10;
    private static final long ACK_EVERY = 1 << 20;
    /** Exit code reported when a command's supervisor vanished before recording how it ended. */
    static final int LOST_SIGNAL = 9;

    private final ShimCommand command;
    private final ShimClient shim;
    private final SegmentLog log;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    private long offset;
    private long acked = -1;
    private SocketChannel watch;
    private CommandExit exit;
    private boolean watchClosed;

    ShimOutputCursor(ShimCommand command, Path dir, ShimClient shim, long offset) {
        this.command = command;
        this.shim = shim;
        this.log = new SegmentLog(dir);
        this.offset = Math.max(0, offset);
    }

    @Override
    public OutputChunk next() throws IOException {
        long consumed = offset; // the caller is done with everything returned before this call
        while (true) {
            if (exit == null) {
                exit = command.exit().orElse(null);
            }
            if (exit == null && watch == null && !watchClosed) {
                openWatch();
            }
            buffer.clear();
            SegmentLog.Result r = log.read(offset, buffer);
            switch (r) {
                case SegmentLog.Result.Data d -> {
                    offset += d.length();
                    buffer.flip();
                    maybeAck(consumed, false);
                    return new OutputChunk.Data(d.stderr(), d.offset(), buffer);
                }
                case SegmentLog.Result.Gap g -> {
                    offset = g.to();
                    return new OutputChunk.Gap(g.from(), g.to());
                }
                case SegmentLog.Result.Pending p -> {
                    if (exit != null) {
                        if (offset < exit.endOffset()) {
                            // the log lost bytes the exit record counts (state removed): say so
                            long from = offset;
                            offset = exit.endOffset();
                            return new OutputChunk.Gap(from, offset);
                        }
                        return new OutputChunk.End(exit);
                    }
                    maybeAck(offset, true);
                    awaitEvent();
                }
            }
        }
    }

    private void openWatch() {
        try {
            watch = shim.watch(command.id());
        } catch (IOException e) {
            watchClosed = true; // supervisor gone: rely on the exit record, or report the command lost
        }
    }

    private void maybeAck(long upTo, boolean force) {
        if (watch == null || upTo <= acked || (!force && upTo - acked < ACK_EVERY)) {
            return;
        }
        acked = upTo;
        try {
            ShimMessage.of('A').add('o', upTo).build().writeTo(watch);
        } catch (IOException e) {
            closeWatch();
        }
    }

    /** Blocks until the shim reports progress or exit; synthesises an exit if the shim vanished. */
    private void awaitEvent() throws IOException {
        if (watch == null) {
            exit = command.exit().orElseGet(this::lostExit);
            return;
        }
        ShimMessage m = readEvent();
        if (m == null) {
            closeWatch();
        } else if (m.is('X')) {
            exit = command.exit().orElseGet(() -> new CommandExit((int) m.number('x', -1), (int) m.number('g', 0),
                    m.number('T', 0) != 0, m.number('b', 0), m.number('d', 0), m.number('o', offset)));
            closeWatch();
        } else if (m.is('E')) {
            closeWatch();
            exit = command.exit().orElseGet(this::lostExit);
        }
    }

    private ShimMessage readEvent() {
        try {
            return ShimMessage.readFrom(watch);
        } catch (IOException e) {
            return null; // treated like the shim closing the watch
        }
    }

    private CommandExit lostExit() {
        long now = System.currentTimeMillis();
        return new CommandExit(-1, LOST_SIGNAL, false, now, now, command.endOffset());
    }

    private void closeWatch() {
        watchClosed = true;
        if (watch != null) {
            try {
                watch.close();
            } catch (IOException ignored) {
                // closing a unix socket cannot lose data we still need
            }
            watch = null;
        }
    }

    @Override
    public void close() {
        closeWatch();
        log.close();
    }
}
