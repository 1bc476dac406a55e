package dev.berth.bench;

import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Reads a command's {@value FrameCodec#MEDIA_TYPE} stream. Output frames are counted into one
 * reused buffer rather than decoded into a new array each (as {@link FrameCodec.Reader} does), so a
 * 1 GiB stream measures the server and the wire, not the bench's allocator. Every other frame is
 * handed to {@link FrameCodec.Reader}, the codec under test.
 */
public final class CommandStream implements AutoCloseable {
    /** What a finished stream carried. */
    public record Summary(String commandId, long stdoutBytes, long stderrBytes, long trimmedBytes, StreamFrame.Exit exit) {}

    private static final int STDOUT = 'O';
    private static final int STDERR = 'E';

    private final DataInputStream in;
    private final byte[] buf = new byte[256 << 10];
    private String commandId;
    private long stdout;
    private long stderr;
    private long trimmed;
    private long nextOffset;
    private StreamFrame.Exit exit;

    CommandStream(InputStream in) {
        this.in = new DataInputStream(in);
    }

    /**
     * Reads until the first output bytes arrive.
     *
     * @return {@link System#nanoTime()} when they had been read, or -1 if the command ended silently
     */
    public long awaitOutput() throws IOException {
        while (exit == null) {
            if (nextFrame() > 0) {
                return System.nanoTime();
            }
        }
        return -1;
    }

    /**
     * Reads until the output reaches {@code offset} bytes (skipping what other readers of the same
     * terminal caused); returns {@link System#nanoTime()} then, or -1 if the command ended first.
     */
    public long awaitOffset(long offset) throws IOException {
        while (exit == null) {
            nextFrame();
            if (nextOffset >= offset) {
                return System.nanoTime();
            }
        }
        return -1;
    }

    /** Reads to the exit frame. */
    public Summary drain() throws IOException {
        while (exit == null) {
            nextFrame();
        }
        return new Summary(commandId, stdout, stderr, trimmed, exit);
    }

    /** Reads one frame; returns the number of output bytes it carried. */
    private long nextFrame() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("the stream ended without an exit frame");
        }
        int length = in.readInt();
        if (type == STDOUT || type == STDERR) {
            long offset = in.readLong();
            if (offset != nextOffset) {
                throw new IOException("output at offset " + offset + ", expected " + nextOffset);
            }
            long n = length - Long.BYTES;
            for (long left = n; left > 0; ) {
                int k = in.read(buf, 0, (int) Math.min(left, buf.length));
                if (k < 0) {
                    throw new EOFException("truncated output frame");
                }
                left -= k;
            }
            nextOffset += n;
            if (type == STDOUT) {
                stdout += n;
            } else {
                stderr += n;
            }
            return n;
        }
        byte[] frame = ByteBuffer.allocate(FrameCodec.HEADER_BYTES + length)
                .put((byte) type).putInt(length).put(in.readNBytes(length)).array();
        switch (new FrameCodec.Reader(new ByteArrayInputStream(frame)).next()) {
            case StreamFrame.Start s -> commandId = s.commandId();
            case StreamFrame.Trimmed t -> {
                trimmed += t.skipped();
                nextOffset = t.to();
            }
            case StreamFrame.Exit x -> exit = x;
            case StreamFrame.Heartbeat h -> { } // a quiet command: nothing to count
            case StreamFrame.Output o -> throw new AssertionError("output frames are counted above");
            case null -> throw new EOFException("truncated frame");
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
