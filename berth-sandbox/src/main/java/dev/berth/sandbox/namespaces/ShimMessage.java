package dev.berth.sandbox.namespaces;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A message of the shim's control protocol: {@code u32 LE length | u8 type | fields}, each field
 * {@code u8 tag | u32 LE length | bytes} (docs/shim-protocol.md).
 */
record ShimMessage(byte type, List<Field> fields) {
    static final int MAX_BYTES = 16 << 20;

    record Field(byte tag, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        long number() {
            return Long.parseLong(text().strip());
        }
    }

    static Builder of(char type) {
        return new Builder((byte) type);
    }

    String text(char tag, String fallback) {
        for (Field f : fields) {
            if (f.tag == tag) {
                return f.text();
            }
        }
        return fallback;
    }

    long number(char tag, long fallback) {
        for (Field f : fields) {
            if (f.tag == tag) {
                return f.number();
            }
        }
        return fallback;
    }

    boolean is(char t) {
        return type == (byte) t;
    }

    void writeTo(WritableByteChannel ch) throws IOException {
        int size = 1;
        for (Field f : fields) {
            size += 5 + f.value.length;
        }
        ByteBuffer b = ByteBuffer.allocate(4 + size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(size).put(type);
        for (Field f : fields) {
            b.put(f.tag).putInt(f.value.length).put(f.value);
        }
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads one message; null on a clean end of stream before its first byte. */
    static ShimMessage readFrom(ReadableByteChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(ch, len, true)) {
            return null;
        }
        int size = len.getInt(0);
        if (size < 1 || size > MAX_BYTES) {
            throw new IOException("shim message of " + size + " bytes is out of range");
        }
        ByteBuffer body = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        fill(ch, body, false);
        body.flip();
        byte type = body.get();
        List<Field> fields = new ArrayList<>();
        while (body.remaining() >= 5) {
            byte tag = body.get();
            int n = body.getInt();
            if (n < 0 || n > body.remaining()) {
                throw new IOException("malformed shim message field");
            }
            byte[] v = new byte[n];
            body.get(v);
            fields.add(new Field(tag, v));
        }
        return new ShimMessage(type, fields);
    }

    private static boolean fill(ReadableByteChannel ch, ByteBuffer b, boolean eofAllowedAtStart) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                if (eofAllowedAtStart && b.position() == 0) {
                    return false;
                }
                throw new EOFException("shim closed the connection mid-message");
            }
        }
        return true;
    }

    static final class Builder {
        private final byte type;
        private final List<Field> fields = new ArrayList<>();

        private Builder(byte type) {
            this.type = type;
        }

        Builder add(char tag, String value) {
            return add(tag, value.getBytes(StandardCharsets.UTF_8));
        }

        Builder add(char tag, long value) {
            return add(tag, Long.toString(value));
        }

        Builder add(char tag, byte[] value) {
            fields.add(new Field((byte) tag, value));
            return this;
        }

        ShimMessage build() {
            return new ShimMessage(type, List.copyOf(fields));
        }
    }
}
