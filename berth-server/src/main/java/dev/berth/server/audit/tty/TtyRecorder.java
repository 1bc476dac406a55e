package dev.berth.server.audit.tty;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.TerminalSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Records a terminal as asciicast v2, from its first byte to its end, on a virtual thread of its
 * own: each piece of output becomes an {@code o} event stamped when it was read, output trimmed
 * before the recorder got to it a visible note, and the end an {@code m} marker saying how the
 * command ended (the format has no exit event; players skip or list markers). What the client
 * types ({@code i}, only if {@link Config#recordInput}) and resizes ({@code r}) come from the
 * terminal's socket.
 *
 * <p>The file is at most {@link Config#commitEvery} behind the output while it flows: at that
 * pace the recording is synced and its {@link RecordingCheckpoint} replaced. A recorder started
 * on a file with a checkpoint (a restarted server) goes on from there, recording no output twice
 * and losing none still retained; input and resizes of the last moments before a crash are lost.
 */
public final class TtyRecorder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TtyRecorder.class.getName());
    /** Failed reads of the output in a row before the recorder gives up; the first waits are short. */
    private static final int READ_ATTEMPTS = 8;
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    /**
     * @param recordInput whether keystrokes are recorded (passwords are typed too: policy decides)
     * @param commitEvery how far behind the file may be while output flows
     */
    public record Config(boolean recordInput, Duration commitEvery) {
        public static final Config DEFAULTS = new Config(false, Duration.ofMillis(200));

        public Config {
            if (commitEvery.isNegative() || commitEvery.isZero()) {
                throw new IllegalArgumentException("commitEvery must be positive: " + commitEvery);
            }
        }
    }

    private final RunningCommand tty;
    private final Path file;
    private final AsciicastWriter writer;
    private final Config config;
    private final Clock clock;
    private final RecordingCheckpoint resumedFrom;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Exception failure;
    /** Owned by the recording thread: the next output byte to read. */
    private long offset;
    private long committedLength;
    private long committedOffset;
    private boolean inputFailed;

    private TtyRecorder(RunningCommand tty, Path file, AsciicastWriter writer, RecordingCheckpoint at, Config config,
            Clock clock) {
        this.tty = tty;
        this.file = file;
        this.writer = writer;
        this.config = config;
        this.clock = clock;
        this.resumedFrom = at;
        this.offset = at.offset();
        this.committedOffset = at.offset();
        this.committedLength = at.length();
    }

    /**
     * Starts recording {@code tty} into {@code file}, or goes on with the recording there if it has
     * a checkpoint (then {@code header} is not used: the file has its own). A recording that already
     * reached the command's end is left as it is and the recorder is {@linkplain #isDone done}.
     * {@code header.timestamp()} is the recording's time 0: give the command's start time.
     *
     * @throws IOException when the file cannot be written, or is not the one its checkpoint describes
     */
    public static TtyRecorder start(RunningCommand tty, Path file, AsciicastHeader header, Config config, Clock clock)
            throws IOException {
        Optional<RecordingCheckpoint> found = RecordingCheckpoint.read(file);
        AsciicastWriter writer;
        RecordingCheckpoint at;
        if (found.isPresent()) {
            at = found.get();
            writer = AsciicastWriter.resume(file, at.start(), at.length(), at.lastTime());
        } else {
            Files.createDirectories(file.toAbsolutePath().getParent());
            writer = AsciicastWriter.create(file, header);
            AsciicastWriter.Synced s = writer.sync();
            at = new RecordingCheckpoint(0, s.length(), header.timestamp(), 0, false);
            at.write(file);
        }
        TtyRecorder r = new TtyRecorder(tty, file, writer, at, config, clock);
        if (at.ended()) {
            writer.close();
            r.done.countDown();
        } else {
            Thread.ofVirtual().name("tty-record-" + tty.id()).start(r::record);
        }
        return r;
    }

    /** Records what the client typed, if the config says so. */
    public void input(byte[] bytes) {
        if (config.recordInput()) {
            try {
                writer.input(bytes, clock.instant());
            } catch (IOException e) {
                inputFailed(e);
            }
        }
    }

    /** Records the terminal's new size. */
    public void resize(TerminalSize size) {
        try {
            writer.resize(size.cols(), size.rows(), clock.instant());
        } catch (IOException e) {
            inputFailed(e);
        }
    }

    /** Whether recording is over: the command ended, the recorder was closed, or it failed. */
    public boolean isDone() {
        return done.getCount() == 0;
    }

    /** Why the recording stopped before the command's end, if it failed. */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    /** The output offset up to which the file holds the output for sure (its checkpoint). */
    public synchronized long recordedOffset() {
        return committedOffset;
    }

    /** Where the recording went on from: 0 for a new one. */
    public long resumedFromOffset() {
        return resumedFrom.offset();
    }

    /**
     * Stops recording (the command goes on) and checkpoints, so that a recorder started later on
     * the same file goes on from here. Waits for the recording thread, at most about
     * {@link Config#commitEvery} since it looks for the stop that often.
     */
    @Override
    public void close() {
        stop.countDown();
        try {
            if (!done.await(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "the recorder of " + tty.id() + " did not stop in " + STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void record() {
        boolean ended = false;
        try {
            for (int failed = 0; !ended && !stopping(); ) {
                long from = offset;
                try (OutputCursor cursor = tty.follow(offset)) {
                    ended = follow(cursor);
                } catch (IOException e) {
                    // reading failed (the sandbox's supervisor busy or restarting): read again from where we are
                    failed = offset == from ? failed + 1 : 1;
                    if (failed >= READ_ATTEMPTS) {
                        throw e;
                    }
                    if (stop.await(100L << failed, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                }
            }
            commit(ended);
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.log(System.Logger.Level.WARNING, "recording of " + tty.id() + " into " + file + " stopped", e);
        } catch (InterruptedException e) {
            failure = e;
        } finally {
            try {
                writer.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not close the recording " + file, e);
            }
            done.countDown();
        }
    }

    /**
     * Records what {@code cursor} yields until the end (true) or a stop (false). Only reading
     * throws {@link IOException}; a failed write is an {@link UncheckedIOException}, not retried.
     */
    private boolean follow(OutputCursor cursor) throws IOException, InterruptedException {
        long lastCommit = System.nanoTime();
        while (!stopping()) {
            // a timed wait, so that a quiet terminal's typed input is committed, and a stop noticed
            OutputChunk chunk = cursor.next(config.commitEvery());
            try {
                if (recorded(chunk)) {
                    return true;
                }
                if (chunk instanceof OutputChunk.Idle || System.nanoTime() - lastCommit >= config.commitEvery().toNanos()) {
                    commit(false);
                    lastCommit = System.nanoTime();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    /** Writes what {@code chunk} says; true at the end. */
    private boolean recorded(OutputChunk chunk) throws IOException {
        Instant now = clock.instant();
        switch (chunk) {
            case OutputChunk.Data d -> {
                long end = d.offset() + d.data().remaining();
                writer.output(d.data(), now);
                offset = end;
            }
            case OutputChunk.Gap g -> {
                writer.outputBreak(now);
                writer.output(trimmedNote(g.to() - g.from()), now);
                offset = g.to();
            }
            case OutputChunk.Idle i -> { }
            case OutputChunk.End e -> {
                writer.outputBreak(now);
                writer.marker(exitLabel(e.exit()), now);
                offset = Math.max(offset, e.exit().endOffset());
                return true;
            }
        }
        return false;
    }

    /** Syncs the file and replaces the checkpoint, if anything was recorded since the last time. */
    private void commit(boolean ended) throws IOException {
        long recorded = offset - writer.pendingOutputBytes(); // an unfinished character is read again on resume
        if (!ended && writer.length() == committedLength && recorded == committedOffset) {
            return; // a quiet terminal costs no disk writes
        }
        AsciicastWriter.Synced s = writer.sync();
        new RecordingCheckpoint(recorded, s.length(), resumedFrom.start(), s.lastTime(), ended).write(file);
        synchronized (this) {
            committedLength = s.length();
            committedOffset = recorded;
        }
    }

    private boolean stopping() {
        return stop.getCount() == 0;
    }

    private void inputFailed(IOException e) {
        synchronized (this) {
            if (inputFailed) {
                return;
            }
            inputFailed = true;
        }
        LOG.log(System.Logger.Level.WARNING, "could not record input of " + tty.id() + " into " + file, e);
    }

    /** What a replay shows where output was trimmed before it was recorded. */
    static byte[] trimmedNote(long bytes) {
        return ("\r\n[berth: " + bytes + " bytes of output were trimmed before recording]\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The end marker's label: {@code exit 3}, {@code signal 9}, with {@code (timed out)} when it was. */
    static String exitLabel(CommandExit exit) {
        String how = exit.signal() != 0 ? "signal " + exit.signal() : "exit " + exit.code();
        return exit.timedOut() ? how + " (timed out)" : how;
    }
}
