package dev.berth.server.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The log's storage as the writer thread alone uses it: seals drafts (seq, time), chains them and
 * appends a batch to the newest segment with one write and one force, rolls segments and signs
 * checkpoints. Opening resumes an existing log after its last complete line.
 */
final class AuditWriter implements Closeable {
    private static final System.Logger LOG = System.getLogger(AuditWriter.class.getName());
    /** {@code writer.lock}: held while the log is open for writing. */
    static final String LOCK_FILE = "writer.lock";

    private final FileChannel lock;
    private final Segments segments;
    private final Checkpoints checkpoints;
    private final AuditOptions options;
    private final Clock clock;
    private final LineFormat format = new LineFormat();
    private final BatchBuffer batch = new BatchBuffer(1 << 20);
    private int segmentNumber;
    private FileChannel segment;
    private long segmentSize;
    private long lastSeq;
    private String lastHash = LineFormat.GENESIS;

    private AuditWriter(FileChannel lock, Segments segments, Checkpoints checkpoints, AuditOptions options, Clock clock) {
        this.lock = lock;
        this.segments = segments;
        this.checkpoints = checkpoints;
        this.options = options;
        this.clock = clock;
    }

    /** Opens the log in {@code dir} (an existing directory) for appending, as its only writer. */
    static AuditWriter open(Path dir, SigningKey key, AuditOptions options, Clock clock) throws IOException {
        FileChannel lock = PrivateFiles.open(dir.resolve(LOCK_FILE));
        FileChannel channel = null;
        Checkpoints checkpoints = null;
        try {
            lockOrFail(lock, dir);
            List<Segments.SegmentFile> files = Segments.list(dir);
            int number = files.isEmpty() ? 1 : files.getLast().number();
            Path newest = dir.resolve(Segments.name(number));
            channel = PrivateFiles.open(newest);
            TailRecovery.cutTornLine(channel, newest);
            Segments segments = Segments.index(dir, files);
            checkpoints = Checkpoints.open(dir, key);
            AuditWriter writer = new AuditWriter(lock, segments, checkpoints, options, clock);
            writer.segmentNumber = number;
            writer.segment = channel;
            writer.segmentSize = channel.size();
            writer.resumeAfterLastLine(channel, files);
            if (writer.segmentSize == 0) {
                segments.register(writer.lastSeq + 1, newest);
            }
            if (checkpoints.lastSeq() > writer.lastSeq) {
                LOG.log(System.Logger.Level.WARNING, "the audit log in {0} ends at seq {1} but a checkpoint names seq {2}:"
                        + " events were cut off its end; verify reports it", dir, writer.lastSeq, checkpoints.lastSeq());
            }
            return writer;
        } catch (IOException | RuntimeException e) {
            try (lock; FileChannel c = channel; Checkpoints cp = checkpoints) { // closes what is open, then rethrows
                throw e;
            }
        }
    }

    /** Two writers would hand out the same seqs: the second one (in this process or another) is refused. */
    private static void lockOrFail(FileChannel lock, Path dir) throws IOException {
        try {
            if (lock.tryLock() == null) {
                throw new IOException("another process is writing the audit log in " + dir);
            }
        } catch (OverlappingFileLockException e) {
            throw new IOException("the audit log in " + dir + " is open already", e);
        }
    }

    /** Takes seq and hash from the newest line; a segment left empty by a crash right after a roll is passed over. */
    private void resumeAfterLastLine(FileChannel newest, List<Segments.SegmentFile> files) throws IOException {
        byte[] line = TailRecovery.lastLine(newest);
        String where = files.isEmpty() ? "" : files.getLast().name();
        for (int i = files.size() - 2; line == null && i >= 0; i--) {
            try (FileChannel older = FileChannel.open(files.get(i).path(), StandardOpenOption.READ)) {
                line = TailRecovery.lastLine(older);
                where = files.get(i).name();
            }
        }
        if (line == null) {
            return; // a new log
        }
        LineFormat.Stored last;
        try {
            last = LineFormat.decode(line, 0, line.length);
        } catch (IOException e) {
            throw new IOException("cannot continue the audit log: the last line of " + where
                    + " is not an event (" + e.getMessage() + "); AuditLog.verify says more", e);
        }
        lastSeq = last.event().seq();
        // the hash as written: if the line was edited, verify reports that line, and only that line
        lastHash = last.hash();
    }

    Segments segments() {
        return segments;
    }

    long lastSeq() {
        return lastSeq;
    }

    /** Seals, chains and durably appends {@code drafts}, in order; returns the seq of the last one. */
    long append(List<AuditEvent> drafts) throws IOException {
        batch.reset();
        for (AuditEvent draft : drafts) {
            int lineStart = batch.size();
            AuditEvent sealed = draft.sealed(lastSeq + 1, clock.instant().truncatedTo(ChronoUnit.MILLIS));
            lastHash = format.append(sealed, lastHash, batch);
            lastSeq++;
            if (segmentSize + batch.size() > options.segmentBytes() && segmentSize + lineStart > 0) {
                // the lines before this one fill the segment; this one starts the next
                writeAndForce(lineStart);
                batch.dropFirst(lineStart);
                roll(lastSeq);
            }
        }
        writeAndForce(batch.size());
        return lastSeq;
    }

    /** Signs a checkpoint if enough events have been appended since the last one. */
    void checkpointIfDue() throws IOException {
        if (lastSeq - checkpoints.lastSeq() >= options.checkpointEvery()) {
            checkpoint();
        }
    }

    private void checkpoint() throws IOException {
        if (lastSeq > checkpoints.lastSeq()) {
            checkpoints.append(lastSeq, lastHash, clock.instant());
        }
    }

    private void writeAndForce(int bytes) throws IOException {
        if (bytes == 0) {
            return;
        }
        ByteBuffer out = batch.slice(0, bytes);
        while (out.hasRemaining()) {
            segmentSize += segment.write(out, segmentSize);
        }
        segment.force(false);
    }

    private void roll(long firstSeq) throws IOException {
        segment.close();
        segmentNumber++;
        Path next = segments.path(segmentNumber);
        segment = PrivateFiles.open(next);
        segmentSize = 0;
        segments.register(firstSeq, next);
    }

    /** Closes the files without a last checkpoint: after a failed write, the chain's end is not known to be on disk. */
    void abandon() {
        try (lock; checkpoints; FileChannel last = segment) {
            // closing is all
        } catch (IOException ignored) {
            // the failure that led here has been reported
        }
    }

    /** Signs a last checkpoint (if events came since the last one) and closes the files. */
    @Override
    public void close() throws IOException {
        try (lock; checkpoints; FileChannel last = segment) {
            checkpoint();
        }
    }
}
