package dev.berth.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One connection to a command's terminal: the WebSocket of {@code GET …/commands/{cid}/tty}
 * (docs/api.md). Output, acknowledgements and the exit come to a {@link Listener}, in order, on
 * the client's own thread; sends are serialised, as the JDK WebSocket wants. A connection that
 * breaks is not re-opened here: the caller opens a new one from the offset it holds.
 */
public final class TerminalChannel implements AutoCloseable {
    /** Input frames are cut to this size; the server takes up to 1 MiB in one. */
    public static final int MAX_INPUT_FRAME = 64 << 10;

    /** What the server says on a terminal's socket. */
    public interface Listener {
        /** First: where output resumes, and how many of this client's input bytes were already typed. */
        void hello(long offset, long inputAccepted);

        /** Output bytes from {@code offset}; {@code data} is only valid during the call. */
        void output(long offset, ByteBuffer data);

        /** This client's input bytes typed so far. */
        default void acked(long inputAccepted) {}

        /** Output from {@code from} to {@code to} was trimmed before this client read it. */
        default void trimmed(long from, long to) {}

        /** The program ended; the server closes the socket next. */
        void exited(ExitStatus status, long endOffset);

        /** A frame of ours the server refused; the socket stays open. */
        default void error(ErrorCode code, String message) {}

        /** The socket ended without an exit: the connection broke, or the server went away. */
        void closed(String why);
    }

    private final WebSocket socket;
    private final Runnable release;
    private final Object sending = new Object();
    private volatile long lastHeardNanos = System.nanoTime();

    private TerminalChannel(WebSocket socket, Runnable release) {
        this.socket = socket;
        this.release = release;
    }

    /** @param release frees what the connection used (its HTTP client), once it is closed or aborted */
    static TerminalChannel open(WebSocket.Builder builder, java.net.URI uri, Listener listener, Runnable release) {
        Receiver receiver = new Receiver(listener);
        try {
            WebSocket ws = builder.buildAsync(uri, receiver).get();
            TerminalChannel channel = new TerminalChannel(ws, release);
            receiver.channel = channel;
            return channel;
        } catch (RuntimeException e) {
            release.run();
            throw e;
        } catch (ExecutionException e) {
            release.run();
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                throw new HandshakeRefused(h.getResponse().statusCode());
            }
            Optional<TlsFailure> tls = TlsFailure.of(uri, e.getCause());
            if (tls.isPresent()) {
                throw new UncheckedIOException(tls.get());
            }
            throw new UncheckedIOException(new IOException("cannot open the terminal's socket: " + e.getCause().getMessage(),
                    e.getCause()));
        } catch (InterruptedException e) {
            release.run();
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    /** Types {@code bytes}, in frames of at most {@link #MAX_INPUT_FRAME}; returns once they are sent. */
    public void input(byte[] bytes) {
        for (int at = 0; at < bytes.length; at += MAX_INPUT_FRAME) {
            ByteBuffer frame = ByteBuffer.wrap(bytes, at, Math.min(MAX_INPUT_FRAME, bytes.length - at));
            synchronized (sending) {
                await(socket.sendBinary(frame, true));
            }
        }
    }

    public void resize(int rows, int cols) {
        text(Map.of("type", "resize", "rows", rows, "cols", cols));
    }

    public void signal(String signal) {
        text(Map.of("type", "signal", "signal", signal));
    }

    /** Any text frame; for clients (and tests) that speak the control protocol directly. */
    public void text(Object frame) {
        try {
            String json = Json.mapper().writeValueAsString(frame);
            synchronized (sending) {
                await(socket.sendText(json, true));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a ping; the server's pong (or any frame) counts as hearing from it. */
    public void ping() {
        synchronized (sending) {
            await(socket.sendPing(ByteBuffer.allocate(0)));
        }
    }

    /** Nanoseconds since the server last sent anything (a frame, a pong). */
    public long quietNanos() {
        return System.nanoTime() - lastHeardNanos;
    }

    /** Drops the connection at once, without a closing handshake (a dead link would not carry one). */
    public void abort() {
        socket.abort();
        release.run();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone already, or too slow to say goodbye to: abort below either way
            }
        }
        abort();
    }

    private static void await(CompletableFuture<WebSocket> send) {
        try {
            send.get();
        } catch (ExecutionException e) {
            throw new UncheckedIOException(new IOException("the terminal's connection broke: " + e.getCause().getMessage(),
                    e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while sending"));
        }
    }

    /** The server refused the upgrade with this HTTP status; ask over plain HTTP for its reason. */
    static final class HandshakeRefused extends RuntimeException {
        final int status;

        HandshakeRefused(int status) {
            super("the server refused the terminal's socket (HTTP " + status + ")");
            this.status = status;
        }
    }

    /** Puts messages back together from the JDK's partial deliveries and hands them on. */
    private static final class Receiver implements WebSocket.Listener {
        private final Listener listener;
        private volatile TerminalChannel channel;
        private ByteBuffer binary = ByteBuffer.allocate(16 << 10);
        private final StringBuilder text = new StringBuilder();
        private boolean exited;

        Receiver(Listener listener) {
            this.listener = listener;
        }

        private void heard() {
            TerminalChannel c = channel;
            if (c != null) {
                c.lastHeardNanos = System.nanoTime();
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            heard();
            if (binary.remaining() < data.remaining()) {
                int size = Math.max(binary.capacity() * 2, binary.position() + data.remaining());
                binary = ByteBuffer.allocate(size).put(binary.flip());
            }
            binary.put(data);
            if (last) {
                binary.flip();
                if (binary.remaining() >= Long.BYTES) {
                    long offset = binary.getLong();
                    listener.output(offset, binary);
                }
                binary.clear();
            }
            ws.request(1); // only now: a slow terminal slows the server, which slows the program
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            heard();
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                control(message);
            }
            ws.request(1);
            return null;
        }

        private void control(String message) {
            JsonNode f;
            try {
                f = Json.mapper().readTree(message);
            } catch (IOException e) {
                return; // not ours to act on; the stream of output goes on
            }
            switch (f.path("type").asText("")) {
                case "hello" -> listener.hello(f.path("offset").asLong(), f.path("inputAccepted").asLong());
                case "ack" -> listener.acked(f.path("input").asLong());
                case "trimmed" -> listener.trimmed(f.path("from").asLong(), f.path("to").asLong());
                case "exit" -> {
                    exited = true;
                    // absent or null: the mapper leaves nulls out
                    listener.exited(new ExitStatus(f.path("code").isIntegralNumber() ? f.get("code").asInt() : null,
                            f.path("signal").isIntegralNumber() ? f.get("signal").asInt() : null,
                            f.path("timedOut").asBoolean(), f.path("durationMs").asLong()), f.path("endOffset").asLong());
                }
                case "error" -> listener.error(ErrorCode.fromCode(f.path("code").asText()), f.path("message").asText());
                default -> {
                    // a frame type from a newer server: ignored, as the protocol says
                }
            }
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            heard();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            heard();
            ws.request(1);
            return null; // the JDK answers with the pong itself
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            if (!exited) {
                listener.closed("the server closed the terminal's socket (" + statusCode
                        + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")");
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (!exited) {
                listener.closed("the terminal's connection broke: " + error.getMessage());
            }
        }
    }
}
