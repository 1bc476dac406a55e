package dev.berth.sandbox.contract;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the host's gateway: a unix socket that takes each connection's PROXY protocol v2
 * header (kept for the test to check), then echoes every byte back.
 */
public final class EchoGateway implements AutoCloseable {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private final Path bindAt;
    private final Path socket;
    private final ServerSocketChannel server;
    private final BlockingQueue<byte[]> headers = new LinkedBlockingQueue<>();

    /** Listens on {@code bindAt}; {@code socket} is the path the sandbox is given (the same file, maybe by a longer name). */
    public EchoGateway(Path bindAt, Path socket) throws IOException {
        this.bindAt = bindAt;
        this.socket = socket;
        Files.deleteIfExists(bindAt);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(bindAt));
        Thread.ofVirtual().name("echo-gateway").start(this::acceptLoop);
    }

    public EchoGateway(Path socket) throws IOException {
        this(socket, socket);
    }

    public Path socket() {
        return socket;
    }

    /** The header a shim must send: TCP over IPv4, 127.0.0.1:{@code sourcePort} to 127.0.0.1:7761, TLV 0xE0 = tag. */
    public static byte[] expectedHeader(String tag, int sourcePort) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(16 + 12 + 3 + t.length);
        b.put(SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) (12 + 3 + t.length));
        b.put(new byte[] {127, 0, 0, 1, 127, 0, 0, 1}).putShort((short) sourcePort).putShort((short) 7761);
        b.put((byte) 0xE0).putShort((short) t.length).put(t);
        return b.array();
    }

    /** The header of the next connection, in the order they came. */
    public byte[] nextHeader(Duration patience) throws InterruptedException {
        byte[] h = headers.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
        if (h == null) {
            throw new AssertionError("no connection reached the gateway socket within " + patience);
        }
        return h;
    }


    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> serve(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            ByteBuffer fixed = ByteBuffer.allocate(16);
            readFully(c, fixed);
            ByteBuffer rest = ByteBuffer.allocate(fixed.getShort(14) & 0xffff);
            readFully(c, rest);
            headers.add(ByteBuffer.allocate(16 + rest.capacity()).put(fixed.array()).put(rest.array()).array());
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (c.read(buf.clear()) > 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
            }
        } catch (IOException ignored) {
            // the relay went away
        }
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("closed within the header");
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(bindAt);
    }
}
