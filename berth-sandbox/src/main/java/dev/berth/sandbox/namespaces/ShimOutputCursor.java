package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.output.SegmentLog;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Follows a command's output: reads the segment log directly and, while the command runs, waits on
 * a shim watch connection for progress events and acknowledges what it consumed (the shim's flow
 * control). When the shim is gone without an exit record, the command is reported as killed.
 */
final class ShimOutputCursor implements OutputCursor {
    /**
     * Reads start small and grow to {@link #CHUNK} once one fills its buffer: a follower of a quiet
     * terminal costs 16 KiB, while a gigabyte stream still moves in large chunks.
     */
    private static final int FIRST_CHUNK = 16 << 10;
    private static final int CHUNK = 256 << 10;
    private static final long ACK_EVERY = 1 << 20;
    /** Exit code reported when a command's supervisor vanished before recording how it ended. */
    static final int LOST_SIGNAL = 9;

    private final ShimCommand command;
    private final ShimClient shim;
    private final SegmentLog log;
    private final Path dir;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(FIRST_CHUNK);
    private boolean lastReadFilled;
    private long offset;
    private long acked = -1;
    private SocketChannel watch;
    private CommandExit exit;
    private boolean watchClosed;
    private boolean pumping;
    /** What the watch connection said, once a timed wait started its pump thread; {@link #WATCH_ENDED} last. */
    private final BlockingQueue<ShimMessage> events = new LinkedBlockingQueue<>();
    private static final ShimMessage WATCH_ENDED = ShimMessage.of('.').build();

    ShimOutputCursor(ShimCommand command, Path dir, ShimClient shim, long offset) {
        this.command = command;
        this.shim = shim;
        this.log = new SegmentLog(dir);
        this.dir = dir;
        this.offset = Math.max(0, offset);
    }

    @Override
    public OutputChunk next(Duration idleAfter) throws IOException, InterruptedException {
        long consumed = offset; // the caller is done with everything returned before this call
        long deadline = idleAfter == null ? Long.MAX_VALUE : System.nanoTime() + idleAfter.toNanos();
        while (true) {
            if (exit == null && watch == null) {
                // before watching (it may be over already), and after: while a watch is open, its X says so
                exit = command.exit().orElse(null);
            }
            if (exit == null && watch == null && !watchClosed) {
                openWatch();
            }
            if (lastReadFilled && buffer.capacity() < CHUNK) {
                buffer = ByteBuffer.allocateDirect(CHUNK); // the last read filled it: more is coming, and fast
            }
            buffer.clear();
            SegmentLog.Result r = log.read(offset, buffer);
            switch (r) {
                case SegmentLog.Result.Data d -> {
                    offset += d.length();
                    lastReadFilled = d.length() >= buffer.capacity();
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
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !awaitEvent(deadline == Long.MAX_VALUE ? Long.MAX_VALUE : left)) {
                        return new OutputChunk.Idle();
                    }
                }
            }
        }
    }

    private void openWatch() throws IOException {
        SocketChannel ch;
        try {
            ch = shim.connect();
        } catch (IOException e) {
            if (supervisorAlive()) { // a full listen backlog refuses connections too
                throw new IOException("the sandbox supervisor did not take a connection to follow command "
                        + command.id() + " (too many connections?): try again", e);
            }
            watchClosed = true; // supervisor gone: rely on the exit record, or report the command lost
            return;
        }
        try {
            ShimMessage.of('W').add('i', command.id()).build().writeTo(ch);
        } catch (IOException e) {
            // it accepted the connection, so it is alive: it hung up on us, as it does when it is full
            ch.close();
            throw new IOException("the sandbox supervisor refused to follow command " + command.id()
                    + " (too many connections?): try again", e);
        }
        watch = ch;
    }

    /**
     * A wait with a time limit needs the watch read by a thread of its own (a channel read cannot
     * time out); started on the first such wait. Untimed waits read it on the caller's thread,
     * which saves a hand-off per event (a terminal's echo is one).
     */
    private void startPump() {
        if (pumping) {
            return;
        }
        pumping = true;
        SocketChannel ch = watch;
        Thread.ofVirtual().name("shim-watch-" + command.id()).start(() -> {
            try {
                for (ShimMessage m; (m = ShimMessage.readFrom(ch)) != null; ) {
                    events.put(m);
                }
            } catch (IOException | InterruptedException e) {
                // closed, by the shim or by close(): the end of the events either way
            } finally {
                events.offer(WATCH_ENDED);
            }
        });
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

    /**
     * Waits up to {@code nanos} for the shim to report progress or exit; false if nothing came.
     * Synthesises an exit only when the shim is gone without recording one: a shim that refuses
     * the watch (too many connections) is alive, and its command may well be running.
     */
    private boolean awaitEvent(long nanos) throws IOException, InterruptedException {
        if (watch == null) {
            exit = exitOrLost();
            return true;
        }
        ShimMessage m = nanos == Long.MAX_VALUE && !pumping ? readWatch() : pumped(nanos);
        if (m == null) {
            return false;
        }
        if (m == WATCH_ENDED) {
            closeWatch(); // without an X: the next look finds the exit record, or asks whether the shim died
        } else if (m.is('X')) {
            exit = command.exit().orElseGet(() -> new CommandExit((int) m.number('x', -1), (int) m.number('g', 0),
                    m.number('T', 0) != 0, m.number('b', 0), m.number('d', 0), m.number('o', offset)));
            closeWatch();
        } else if (m.is('E')) {
            closeWatch();
            if (m.text('k', "").equals("busy")) {
                throw new IOException("the sandbox supervisor is busy (too many connections) and cannot follow command "
                        + command.id() + " now: try again");
            }
            exit = command.exit().orElseGet(this::lostExit);
        }
        return true;
    }

    /** The next event, read on this thread; {@link #WATCH_ENDED} when the watch ends. */
    private ShimMessage readWatch() throws InterruptedException {
        try {
            ShimMessage m = ShimMessage.readFrom(watch);
            return m == null ? WATCH_ENDED : m;
        } catch (IOException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("stopped while following command " + command.id());
            }
            return WATCH_ENDED;
        }
    }

    /** The next event from the pump thread, or null if none came within {@code nanos}. */
    private ShimMessage pumped(long nanos) throws InterruptedException {
        startPump();
        return nanos == Long.MAX_VALUE ? events.take() : events.poll(nanos, TimeUnit.NANOSECONDS);
    }

    /** The recorded exit; else, if the supervisor is dead, the command died with it; else try again. */
    private CommandExit exitOrLost() throws IOException {
        Optional<CommandExit> recorded = command.exit();
        if (recorded.isPresent()) {
            return recorded.get();
        }
        if (supervisorAlive()) {
            throw new IOException("lost the sandbox supervisor's watch of command " + command.id() + ": try again");
        }
        return lostExit();
    }

    /** Whether the supervisor still runs (by its pid file, checked against pid reuse). */
    private boolean supervisorAlive() {
        try {
            long pid = SandboxRemains.readPid(dir.getParent().getParent().resolve("shim.pid"));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("berth-shim");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private CommandExit lostExit() {
        long now = System.currentTimeMillis();
        return new CommandExit(-1, LOST_SIGNAL, false, now, now, command.endOffset());
    }

    private void closeWatch() {
        watchClosed = true;
        pumping = false;
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
