package dev.berth.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What a sandbox's shim does for the gateway, on the test's own loopback: each connection to
 * {@link #uri()} is relayed to the gateway's unix socket, opened with a PROXY protocol v2 header
 * carrying {@code tag}. Lets tests drive the gateway with any HTTP client as if from a sandbox.
 * Like the shim (one poll loop, TCP_NODELAY) it adds no hand-off between threads per read: each
 * direction is a platform thread blocked on its socket, so latency benches through it are fair.
 */
public final class GatewayTap implements AutoCloseable {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private final ServerSocket listener;
    private final Path socket;
    private final String tag;

    public GatewayTap(Path gatewaySocket, String tag) throws IOException {
        this.socket = gatewaySocket;
        this.tag = tag;
        this.listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("gateway-tap").start(this::acceptLoop);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The PROXY v2 header a shim sends: TCP over IPv4, loopback to the gateway port, and the tag's TLV. */
    public static byte[] proxyHeader(String tag, int sourcePort) {
        byte[] t = tag == null ? new byte[0] : tag.getBytes(StandardCharsets.US_ASCII);
        int tlv = tag == null ? 0 : 3 + t.length;
        ByteBuffer b = ByteBuffer.allocate(16 + 12 + tlv);
        b.put(SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) (12 + tlv));
        b.put(new byte[] {127, 0, 0, 1}).put(new byte[] {127, 0, 0, 1});
        b.putShort((short) sourcePort).putShort((short) 7761);
        if (tag != null) {
            b.put((byte) 0xE0).putShort((short) t.length).put(t);
        }
        return b.array();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofPlatform().daemon().start(() -> relay(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        try (client; SocketChannel up = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.setTcpNoDelay(true); // as the shim does
            up.connect(UnixDomainSocketAddress.of(socket));
            up.write(ByteBuffer.wrap(proxyHeader(tag, client.getPort())));
            InputStream upIn = Channels.newInputStream(up);
            OutputStream upOut = Channels.newOutputStream(up);
            Thread back = Thread.ofPlatform().daemon().start(() -> {
                try {
                    upIn.transferTo(client.getOutputStream());
                } catch (IOException ignored) {
                    // either side closed
                } finally {
                    try {
                        client.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            });
            try {
                client.getInputStream().transferTo(upOut);
                up.shutdownOutput();
            } catch (IOException ignored) {
                // either side closed
            }
            back.join();
        } catch (IOException | InterruptedException ignored) {
            // the test's client or the gateway went away
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
