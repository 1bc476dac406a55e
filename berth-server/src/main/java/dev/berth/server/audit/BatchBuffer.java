package dev.berth.server.audit;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of one group commit, reused from batch to batch. Unlike {@link java.io.ByteArrayOutputStream}
 * it lets the encoder drop a line's closing brace and hand out its array without copying.
 */
final class BatchBuffer extends OutputStream {
    private byte[] bytes;
    private int size;

    BatchBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    void truncate(int newSize) {
        size = newSize;
    }

    void reset() {
        size = 0;
    }

    /** Keeps only the bytes from {@code from} on, moved to the front. */
    void dropFirst(int from) {
        System.arraycopy(bytes, from, bytes, 0, size - from);
        size -= from;
    }

    ByteBuffer slice(int from, int to) {
        return ByteBuffer.wrap(bytes, from, to - from);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
