package dev.berth.sandbox.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Reads a command's output log: segment files named by the absolute offset of their first payload
 * byte ({@code %020d.seg}), each a run of frames {@code u8 stream | 3 zero bytes | u32 LE length |
 * payload} (docs/shim-protocol.md). The writer appends and deletes whole old segments; this reader
 * never blocks and copes with a frame that is still being written. Not thread-safe.
 */
public final class SegmentLog implements AutoCloseable {
    static final int FRAME_HEADER = 8;
    static final byte STDERR = 2;

    private final Path dir;
    private final ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER).order(ByteOrder.LITTLE_ENDIAN);

    private FileChannel segment;
    private long segmentBase;   // offset of the current segment's first payload byte
    private long filePos;       // where the current frame's header starts in the segment file
    private long frameOffset;   // absolute offset of the current frame's first payload byte
    private int frameLength = -1; // -1: header not read yet
    private boolean frameStderr;

    public SegmentLog(Path dir) {
        this.dir = dir;
    }

    /** Result of {@link #read}: data, a trimmed gap, or nothing yet. */
    public sealed interface Result {
        record Data(boolean stderr, long offset, int length) implements Result {}
        record Gap(long from, long to) implements Result {}
        record Pending() implements Result {}
    }

    private static final Result.Pending PENDING = new Result.Pending();

    /** Copies output at {@code offset} into {@code dst} (from its position), never across a stream change. */
    public Result read(long offset, ByteBuffer dst) throws IOException {
        if (segment == null || offset < frameOffset) {
            Result r = seek(offset);
            if (r != null) {
                return r;
            }
        }
        while (true) {
            if (frameLength < 0 && !readHeader()) {
                if (!rollOver()) {
                    return PENDING;
                }
                continue;
            }
            long frameEnd = frameOffset + frameLength;
            if (offset >= frameEnd) {
                filePos += FRAME_HEADER + frameLength;
                frameOffset = frameEnd;
                frameLength = -1;
                continue;
            }
            long payloadPos = filePos + FRAME_HEADER + (offset - frameOffset);
            long available = Math.min(frameEnd - offset, segment.size() - payloadPos);
            if (available <= 0) {
                return PENDING; // the writer is mid-frame
            }
            int want = (int) Math.min(available, dst.remaining());
            ByteBuffer slice = dst.slice(dst.position(), want);
            int n = 0;
            while (slice.hasRemaining()) {
                int k = segment.read(slice, payloadPos + n);
                if (k <= 0) {
                    break;
                }
                n += k;
            }
            if (n == 0) {
                return PENDING;
            }
            dst.position(dst.position() + n);
            return new Result.Data(frameStderr, offset, n);
        }
    }

    /** Positions at the segment holding {@code offset}; returns a gap or pending result if there is none. */
    private Result seek(long offset) throws IOException {
        closeSegment();
        long best = -1;
        long first = Long.MAX_VALUE;
        for (long base : bases()) {
            first = Math.min(first, base);
            if (base <= offset && base > best) {
                best = base;
            }
        }
        if (best < 0) {
            return first == Long.MAX_VALUE ? PENDING : new Result.Gap(offset, first);
        }
        if (!open(best)) {
            return seek(offset); // trimmed between listing and opening
        }
        return null;
    }

    /** At the end of a complete segment, moves to the next one if the writer started it. */
    private boolean rollOver() throws IOException {
        if (segment.size() > filePos) {
            return false; // a header is being written
        }
        FileChannel current = segment;
        long next = frameOffset;
        if (next == segmentBase) {
            return false; // this segment is still empty: nothing follows it yet
        }
        try {
            FileChannel ch = FileChannel.open(segmentPath(next), StandardOpenOption.READ);
            current.close();
            segment = ch;
            segmentBase = next;
            filePos = 0;
            frameLength = -1;
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private boolean readHeader() throws IOException {
        header.clear();
        int n = segment.read(header, filePos);
        if (n < FRAME_HEADER) {
            return false; // not written yet (or only partly: read it again later)
        }
        header.flip();
        frameStderr = header.get(0) == STDERR;
        frameLength = header.getInt(4);
        if (frameLength < 0) {
            throw new IOException("corrupt output log frame in " + dir);
        }
        return true;
    }

    private boolean open(long base) throws IOException {
        try {
            segment = FileChannel.open(segmentPath(base), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        segmentBase = base;
        filePos = 0;
        frameOffset = base;
        frameLength = -1;
        return true;
    }

    /** The oldest retained offset; empty when no segment exists (no output yet, or none kept). */
    public OptionalLong firstOffset() throws IOException {
        return java.util.Arrays.stream(bases()).min();
    }

    private long[] bases() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".seg") && n.length() == 24)
                    .mapToLong(n -> Long.parseLong(n, 0, 20, 10))
                    .toArray();
        } catch (NoSuchFileException e) {
            return new long[0];
        }
    }

    private Path segmentPath(long base) {
        return dir.resolve(String.format("%020d.seg", base));
    }

    private void closeSegment() throws IOException {
        if (segment != null) {
            segment.close();
            segment = null;
        }
    }

    @Override
    public void close() {
        try {
            closeSegment();
        } catch (IOException ignored) {
            // nothing to flush: read-only
        }
    }
}
