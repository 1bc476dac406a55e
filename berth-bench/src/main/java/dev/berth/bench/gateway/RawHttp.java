package dev.berth.bench.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The smallest HTTP/1.1 client that can be pointed at the upstream directly (TCP) and at the
 * gateway's unix socket as a sandbox's shim would reach it (PROXY v2 header with the session's tag
 * first), so both paths are timed with the same code. One keep-alive connection; bodies by
 * Content-Length or chunked; {@link Listener} sees body bytes as they arrive.
 */
public final class RawHttp implements AutoCloseable {
    /** Body bytes as they arrive, with the {@link System#nanoTime} they were read at. */
    @FunctionalInterface
    public interface Listener {
        void bytes(byte[] b, int off, int len, long nanos);
    }

    private static final byte[] PROXY_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 16).flip();

    private RawHttp(SocketChannel channel) {
        this.channel = channel;
    }

    public static RawHttp tcp(int port) throws IOException {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.socket().setTcpNoDelay(true);
        return new RawHttp(c);
    }

    /** A connection to the gateway socket as the shim opens it: PROXY v2 (TCP4, loopback), TLV 0xE0 = tag. */
    public static RawHttp gateway(Path socket, String tag) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = ByteBuffer.allocate(16 + 12 + 3 + t.length);
        h.put(PROXY_SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) (12 + 3 + t.length));
        h.put(new byte[] {127, 0, 0, 1, 127, 0, 0, 1}).putShort((short) 40000).putShort((short) 7761);
        h.put((byte) 0xE0).putShort((short) t.length).put(t).flip();
        while (h.hasRemaining()) {
            c.write(h);
        }
        return new RawHttp(c);
    }

    /** Sends a POST and reads its whole answer; returns the status. */
    public int post(String path, String headers, byte[] body, Listener listener) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n" + headers + "\r\n";
        ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
        out.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        String status = line();
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = line()).isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size; (size = Long.parseLong(line().strip(), 16)) > 0; ) {
                body(size, listener);
                line();
            }
            line(); // the empty line after the last chunk
        } else if (length >= 0) {
            body(length, listener);
        }
        return Integer.parseInt(status.split(" ")[1]);
    }

    private void body(long n, Listener listener) throws IOException {
        while (n > 0) {
            fill();
            int take = (int) Math.min(n, in.remaining());
            listener.bytes(in.array(), in.position(), take, System.nanoTime());
            in.position(in.position() + take);
            n -= take;
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            fill();
            byte b = in.get();
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    private void fill() throws IOException {
        if (in.hasRemaining()) {
            return;
        }
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
            throw new IOException("connection closed mid-answer");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
