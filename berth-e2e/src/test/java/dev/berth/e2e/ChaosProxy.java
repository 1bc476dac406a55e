package dev.berth.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that the test breaks on purpose: {@link #cut} resets every connection
 * and refuses new ones until {@link #restore}; {@link #stallExisting} makes the current connections
 * go silent for good (a dead NAT entry, a laptop lid) while new ones get through.
 */
final class ChaosProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;

    ChaosProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("chaos-accept").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Resets every connection (RST) and refuses new ones until {@link #restore()}. */
    void cut() {
        refusing = true;
        for (Pipe p : pipes) {
            p.reset();
        }
    }

    void restore() {
        refusing = false;
    }

    /** The connections open now stop carrying bytes, forever; new connections work. */
    void stallExisting() {
        for (Pipe p : pipes) {
            p.stalled = true;
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    client.setSoLinger(true, 0);
                    client.close();
                    continue;
                }
                Socket server;
                try {
                    server = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException refused) { // nothing listens there (the server is down): say so at once
                    client.setSoLinger(true, 0);
                    client.close();
                    continue;
                }
                Pipe p = new Pipe(client, server);
                pipes.add(p);
                Thread.ofVirtual().start(() -> p.copy(client, server));
                Thread.ofVirtual().start(() -> p.copy(server, client));
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection fail
            }
        }
    }

    /** One proxied connection. */
    private final class Pipe {
        final Socket a;
        final Socket b;
        volatile boolean stalled;

        Pipe(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        void copy(Socket from, Socket to) {
            byte[] buf = new byte[16 << 10];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (stalled) {
                        continue; // swallowed: nothing arrives, nothing says so
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // reset or closed
            } finally {
                if (!stalled) {
                    reset();
                }
            }
        }

        void reset() {
            pipes.remove(this);
            for (Socket s : new Socket[] {a, b}) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Pipe p : pipes) {
            p.reset();
        }
    }
}
