package dev.berth.server.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Complete lines of an append-only file, read forward with positional reads from a buffer that grows
 * for long lines. A line without its newline yet (being written, or torn) is not returned; asking
 * again later reads what has been appended since, which is what following a growing segment needs.
 */
final class LineReader {
    private static final int CHUNK = 64 * 1024;

    /** A line without its newline: {@code bytes[off, off+len)}, valid until the reader's next call. */
    record Line(byte[] bytes, int off, int len, long offset) {}

    private final FileChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private long bufferOffset; // file offset of buffer[0]
    private int start; // next unread line in buffer
    private int scanned; // buffer[start, scanned) holds no newline

    LineReader(FileChannel channel, long offset) {
        this.channel = channel;
        seek(offset);
    }

    /** The next complete line, or null if there is none (yet). */
    Line next() throws IOException {
        while (true) {
            byte[] b = buffer.array();
            for (int i = scanned; i < buffer.position(); i++) {
                if (b[i] == '\n') {
                    Line line = new Line(b, start, i - start, bufferOffset + start);
                    start = i + 1;
                    scanned = start;
                    return line;
                }
            }
            scanned = buffer.position();
            if (!fill()) {
                return null;
            }
        }
    }

    /** The offset just past the last line returned. */
    long offset() {
        return bufferOffset + start;
    }

    /** Whether bytes without a newline follow the last line returned (after {@link #next} gave null). */
    boolean hasPartialLine() {
        return buffer.position() > start;
    }

    /** Continues from {@code offset}, which must be where a line starts. */
    void seek(long offset) {
        buffer.clear();
        bufferOffset = offset;
        start = 0;
        scanned = 0;
    }

    private boolean fill() throws IOException {
        if (start > 0) { // drop the lines already returned
            buffer.flip().position(start);
            buffer.compact();
            bufferOffset += start;
            scanned -= start;
            start = 0;
        }
        if (!buffer.hasRemaining()) { // one line longer than the buffer
            buffer = ByteBuffer.allocate(buffer.capacity() * 2).put(buffer.flip());
        }
        int n = channel.read(buffer, bufferOffset + buffer.position());
        return n > 0;
    }
}
