package dev.berth.api.stream;

import dev.berth.api.model.ExitStatus;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary stream format ({@value #MEDIA_TYPE}): each frame is {@code u8 type | u32 length (big
 * endian) | payload}. Documented in docs/api.md; cheaper than NDJSON for bulk output because data is
 * never re-encoded.
 */
public final class FrameCodec {
    public static final String MEDIA_TYPE = "application/vnd.berth.stream";
    public static final int HEADER_BYTES = 5;
    /** Header plus the 8-byte offset that precedes output data. */
    public static final int OUTPUT_HEADER_BYTES = HEADER_BYTES + Long.BYTES;
    /** Frames larger than this are refused by the decoder (the server sends at most 1 MiB). */
    public static final int MAX_PAYLOAD = 16 << 20;

    static final byte START = 'S';
    static final byte STDOUT = 'O';
    static final byte STDERR = 'E';
    static final byte TRIMMED = 'T';
    static final byte EXIT = 'X';
    static final byte HEARTBEAT = 'H';

    private FrameCodec() {}

    /** Writes the header of an output frame carrying {@code length} data bytes into {@code dst}. */
    public static void putOutputHeader(ByteBuffer dst, StreamFrame.Channel channel, long offset, int length) {
        dst.put(channel == StreamFrame.Channel.STDOUT ? STDOUT : STDERR);
        dst.putInt(Long.BYTES + length);
        dst.putLong(offset);
    }

    public static byte[] encode(StreamFrame frame) {
        return switch (frame) {
            case StreamFrame.Start s -> frame(START, s.commandId().getBytes(StandardCharsets.UTF_8));
            case StreamFrame.Output o -> {
                ByteBuffer b = ByteBuffer.allocate(OUTPUT_HEADER_BYTES + o.data().length);
                putOutputHeader(b, o.channel(), o.offset(), o.data().length);
                yield b.put(o.data()).array();
            }
            case StreamFrame.Trimmed t -> frame(TRIMMED, ByteBuffer.allocate(16).putLong(t.from()).putLong(t.to()).array());
            case StreamFrame.Heartbeat h -> frame(HEARTBEAT, new byte[0]);
            case StreamFrame.Exit x -> {
                ExitStatus s = x.status();
                ByteBuffer b = ByteBuffer.allocate(4 + 4 + 1 + 8 + 8);
                b.putInt(s.code() == null ? -1 : s.code());
                b.putInt(s.signal() == null ? 0 : s.signal());
                b.put((byte) (s.timedOut() ? 1 : 0));
                b.putLong(s.durationMs());
                b.putLong(x.endOffset());
                yield frame(EXIT, b.array());
            }
        };
    }

    private static byte[] frame(byte type, byte[] payload) {
        return ByteBuffer.allocate(HEADER_BYTES + payload.length).put(type).putInt(payload.length).put(payload).array();
    }

    /** Reads frames one by one from a binary stream. */
    public static final class Reader {
        private final DataInputStream in;

        public Reader(InputStream in) {
            this.in = new DataInputStream(in);
        }

        /** The next frame, or null at a clean end of stream. */
        public StreamFrame next() throws IOException {
            int type = in.read();
            if (type < 0) {
                return null;
            }
            int length = in.readInt();
            if (length < 0 || length > MAX_PAYLOAD) {
                throw new IOException("stream frame of " + length + " bytes is out of range");
            }
            if (type == STDOUT || type == STDERR) {
                // the bulk path: output bytes go straight into their array, copied once
                if (length < Long.BYTES) {
                    throw new EOFException("truncated output frame");
                }
                long offset = in.readLong();
                byte[] data = new byte[length - Long.BYTES];
                in.readFully(data);
                return new StreamFrame.Output(
                        type == STDOUT ? StreamFrame.Channel.STDOUT : StreamFrame.Channel.STDERR, offset, data);
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            ByteBuffer b = ByteBuffer.wrap(payload);
            try {
                return switch (type) {
                    case START -> new StreamFrame.Start(new String(payload, StandardCharsets.UTF_8));
                    case TRIMMED -> new StreamFrame.Trimmed(b.getLong(), b.getLong());
                    case HEARTBEAT -> new StreamFrame.Heartbeat();
                    case EXIT -> {
                        int code = b.getInt();
                        int signal = b.getInt();
                        boolean timedOut = b.get() != 0;
                        long duration = b.getLong();
                        long end = b.getLong();
                        yield new StreamFrame.Exit(new ExitStatus(code < 0 ? null : code, signal == 0 ? null : signal,
                                timedOut, duration), end);
                    }
                    default -> throw new IOException("unknown stream frame type " + type);
                };
            } catch (java.nio.BufferUnderflowException e) {
                throw new EOFException("truncated stream frame of type " + (char) type);
            }
        }
    }
}
