package dev.berth.server.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads events in seq order from the segments on disk, from a given seq on, across segment rolls. The
 * first position comes from the segment index and a binary search over the segment's bytes (lines are
 * in seq order and each starts with its seq), so no event is kept in memory to find where to start.
 * Readers stop at a cap, the last durable seq, so bytes the writer has not yet forced are never read.
 */
final class LogCursor implements Closeable {
    private static final System.Logger LOG = System.getLogger(LogCursor.class.getName());
    private static final int LINEAR_SCAN_BYTES = 64 * 1024;

    private final Segments segments;
    private Map.Entry<Long, Path> segment;
    private FileChannel channel;
    private LineReader reader;
    private long last;

    LogCursor(Segments segments, long afterSeq) {
        this.segments = segments;
        this.last = afterSeq;
    }

    /** Up to {@code max} events after the last one returned (or the start seq), none past {@code cap}. */
    List<AuditEvent> next(long cap, int max) throws IOException {
        List<AuditEvent> out = new ArrayList<>(Math.min(max, 1024));
        while (out.size() < max && last < cap) {
            if (reader == null && !open(segments.holding(last + 1), true)) {
                break;
            }
            LineReader.Line line = reader.next();
            if (line == null) {
                Map.Entry<Long, Path> successor = segments.after(segment.getKey());
                if (successor == null) {
                    break;
                }
                // a segment is complete once the next one exists: what it holds is in by now
                line = reader.next();
                if (line == null) {
                    open(successor, false);
                    continue;
                }
            }
            long seq = LineFormat.seqOf(line.bytes(), line.off(), line.len());
            if (seq > cap) {
                reader.seek(line.offset());
                break;
            }
            if (seq <= last) {
                if (seq < 0) {
                    LOG.log(System.Logger.Level.WARNING, "skipped a line that is no event at {0}:{1} (verify says why)",
                            segment.getValue(), line.offset());
                }
                continue;
            }
            try {
                out.add(LineFormat.decode(line.bytes(), line.off(), line.len()).event());
                last = seq;
            } catch (IOException malformed) {
                LOG.log(System.Logger.Level.WARNING, "skipped a malformed line at {0}:{1} (verify says why): {2}",
                        segment.getValue(), line.offset(), malformed.getMessage());
            }
        }
        return out;
    }

    private boolean open(Map.Entry<Long, Path> next, boolean search) throws IOException {
        if (next == null) {
            return false;
        }
        close();
        segment = next;
        channel = FileChannel.open(next.getValue(), StandardOpenOption.READ);
        reader = new LineReader(channel, search ? searchStart(last) : 0);
        return true;
    }

    /**
     * A line start before which every line has a seq at most {@code afterSeq}, at most a window before
     * the first line past it: a binary search over byte offsets, each probe reading one line's seq.
     */
    private long searchStart(long afterSeq) throws IOException {
        long lo = 0;
        long hi = channel.size();
        while (hi - lo > LINEAR_SCAN_BYTES) {
            long mid = lo + (hi - lo) / 2;
            long start = lineStartAfter(mid, hi);
            long seq = start < hi ? seqAt(start) : -1;
            if (seq >= 0 && seq <= afterSeq) {
                lo = start;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private long lineStartAfter(long from, long limit) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        for (long at = from; at < limit; at += chunk.position()) {
            chunk.clear();
            if (channel.read(chunk, at) <= 0) {
                break;
            }
            for (int i = 0; i < chunk.position(); i++) {
                if (chunk.get(i) == '\n') {
                    return at + i + 1;
                }
            }
        }
        return limit;
    }

    private long seqAt(long offset) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(32);
        int n = channel.read(head, offset);
        return n <= 0 ? -1 : LineFormat.seqOf(head.array(), 0, n);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
            reader = null;
        }
    }
}
