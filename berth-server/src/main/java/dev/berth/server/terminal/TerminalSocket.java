package dev.berth.server.terminal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import dev.berth.api.model.Tty;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.TerminalInput;
import dev.berth.server.sessions.CommandService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One client attached to a command's terminal over a WebSocket (the protocol is in docs/api.md).
 * Output is pushed as it is produced, each frame sent before the next is read, so a slow client
 * slows the program instead of growing the heap; input frames are typed in the order they came
 * and acknowledged by a running count, which is what lets a reconnecting client resend exactly
 * what did not arrive.
 */
public final class TerminalSocket implements Session.Listener.AutoDemanding {
    private static final System.Logger LOG = System.getLogger(TerminalSocket.class.getName());
    /** The output header: the absolute offset of the frame's first byte, big-endian. */
    public static final int OFFSET_BYTES = Long.BYTES;

    /**
     * What a socket needs to know of its terminal; {@code signals} parses a signal name or number,
     * {@code pings} sends each socket's pings.
     */
    public record Terminal(String sessionId, String commandId, RunningCommand command, CommandService commands,
            InputLedger ledger, ToIntFunction<String> signals, ScheduledExecutorService pings, Runnable detached) {}

    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    private final Terminal terminal;
    private final String client;
    private final long offset;
    private final Duration heartbeat;
    private volatile Session session;
    private volatile Thread output;
    private volatile ScheduledFuture<?> pinging;
    /** Input acks go out at most this long after the input, several at once. */
    private static final long ACK_DELAY_MS = 20;
    private final java.util.concurrent.atomic.AtomicBoolean ackPending = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long acked;
    /** Opened on the first keystroke; only the input callback (one at a time) uses it. */
    private TerminalInput input;

    public TerminalSocket(Terminal terminal, String client, long offset, Duration heartbeat) {
        this.terminal = terminal;
        this.client = client;
        this.offset = offset;
        this.heartbeat = heartbeat;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        output = Thread.ofVirtual().name("tty-out-" + terminal.commandId()).start(this::pushOutput);
        // pings on a timer, not between reads: the output reader then waits on the sandbox with no time limit,
        // which spares it a thread hand-off per chunk; a ping that cannot be sent ends the socket
        long every = heartbeat.toMillis();
        pinging = terminal.pings().scheduleAtFixedRate(
                () -> session.sendPing(ByteBuffer.allocate(0), Callback.NOOP), every, every, TimeUnit.MILLISECONDS);
    }

    private void pushOutput() {
        try (OutputCursor cursor = terminal.command().follow(offset)) {
            Map<String, Object> hello = frame("hello");
            hello.put("commandId", terminal.commandId());
            hello.put("offset", offset);
            hello.put("inputAccepted", terminal.ledger().accepted(key(), client));
            sendText(hello);
            while (session.isOpen()) {
                switch (cursor.next()) {
                    case OutputChunk.Data d -> sendOutput(d);
                    case OutputChunk.Gap g -> {
                        Map<String, Object> f = frame("trimmed");
                        f.put("from", g.from());
                        f.put("to", g.to());
                        sendText(f);
                    }
                    case OutputChunk.Idle i -> { } // not asked for
                    case OutputChunk.End e -> {
                        exited(e.exit());
                        return;
                    }
                }
            }
        } catch (InterruptedException | IOException e) {
            // the client went away (or the socket broke): the program goes on, the client re-attaches by offset
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "terminal output of " + terminal.commandId() + " stopped", e);
            fatal(ErrorCode.INTERNAL, "the server could not read this terminal's output; attach again");
        }
    }

    private void sendOutput(OutputChunk.Data d) throws IOException, InterruptedException {
        ByteBuffer data = d.data();
        ByteBuffer frame = ByteBuffer.allocate(OFFSET_BYTES + data.remaining());
        frame.putLong(d.offset()).put(data).flip();
        await(cb -> session.sendBinary(frame, cb));
    }

    private void exited(CommandExit exit) throws IOException, InterruptedException {
        terminal.commands().recordExit(terminal.sessionId(), terminal.commandId(), exit);
        ExitStatus status = CommandService.toStatus(exit);
        Map<String, Object> f = frame("exit");
        f.put("code", status.code());
        f.put("signal", status.signal());
        f.put("timedOut", status.timedOut());
        f.put("durationMs", status.durationMs());
        f.put("endOffset", exit.endOffset());
        sendText(f);
        session.close(StatusCode.NORMAL, "exited", Callback.NOOP);
    }

    /** Input: typed in order, then acknowledged (soon after) by the running count of this client's bytes. */
    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        try {
            type(bytes);
            acked = terminal.ledger().add(key(), client, bytes.length);
            terminal.commands().tap().typed(terminal.sessionId(), terminal.commandId(), bytes);
            if (!ackPending.getAndSet(true)) {
                // a little later, for everything typed by then: an ack just before the echo would delay it
                terminal.pings().schedule(this::sendAck, ACK_DELAY_MS, TimeUnit.MILLISECONDS);
            }
            terminal.commands().touched(terminal.sessionId());
        } catch (SandboxException e) {
            error(CommandService.errorCode(e), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callback.succeed();
    }

    private void sendAck() {
        ackPending.set(false);
        Map<String, Object> ack = frame("ack");
        ack.put("input", acked);
        session.sendText(json(ack), Callback.NOOP);
    }

    /** A program that does not read its input holds up this client's typing; nothing is dropped. */
    private void type(byte[] bytes) throws InterruptedException {
        for (int pause = 1; ; pause = Math.min(pause * 2, 100)) {
            try {
                if (input == null) {
                    input = terminal.command().openInput();
                }
                input.write(bytes);
                return;
            } catch (SandboxException e) {
                if (e.kind() != SandboxException.Kind.BUSY || !session.isOpen()) {
                    throw e;
                }
            }
            Thread.sleep(pause); // retry pacing while the terminal's input backlog drains
        }
    }

    /**
     * Control: {@code resize}, {@code signal} and {@code ping} (answered with {@code pong}: a browser
     * can neither send WebSocket pings nor see them); anything else is answered with an error frame.
     */
    @Override
    public void onWebSocketText(String text) {
        try {
            JsonNode f;
            try {
                f = Json.mapper().readTree(text);
            } catch (IOException e) {
                throw new ApiException(ErrorCode.MALFORMED_JSON, "a control frame must be a JSON object");
            }
            if (f == null || !f.isObject()) {
                throw new ApiException(ErrorCode.MALFORMED_JSON, "a control frame must be a JSON object");
            }
            String type = f.path("type").asText("");
            switch (type) {
                case "resize" -> {
                    var size = CommandService.terminalSize(new Tty(
                            f.path("rows").isInt() ? f.get("rows").asInt() : null,
                            f.path("cols").isInt() ? f.get("cols").asInt() : null));
                    terminal.command().resize(size);
                    terminal.commands().tap().resized(terminal.sessionId(), terminal.commandId(), size);
                }
                case "signal" -> {
                    if (!f.path("signal").isValueNode()) {
                        throw new ApiException(ErrorCode.MISSING_FIELD, "give \"signal\": a name such as INT or a number");
                    }
                    terminal.command().signal(terminal.signals().applyAsInt(f.get("signal").asText()));
                }
                case "ping" -> session.sendText(json(frame("pong")), Callback.NOOP);
                default -> throw new ApiException(ErrorCode.UNKNOWN_FRAME, "unknown control frame type \"" + type
                        + "\" (known: resize, signal, ping)");
            }
        } catch (ApiException e) {
            error(e.code(), e.getMessage());
        } catch (SandboxException e) {
            error(CommandService.errorCode(e), e.getMessage());
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        release();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        release();
    }

    private void release() {
        if (released.compareAndSet(false, true)) {
            terminal.detached().run(); // once, whether the socket closed or broke
        }
        ScheduledFuture<?> p = pinging;
        if (p != null) {
            p.cancel(false);
        }
        TerminalInput in = input;
        if (in != null) {
            in.close();
        }
        Thread t = output;
        if (t != null) {
            t.interrupt(); // frees the output reader and its watch on the sandbox now, not at the next heartbeat
        }
    }

    private void error(ErrorCode code, String message) {
        Map<String, Object> f = frame("error");
        f.put("code", code.code());
        f.put("message", message);
        session.sendText(json(f), Callback.NOOP);
    }

    private void fatal(ErrorCode code, String message) {
        error(code, message);
        session.close(StatusCode.SERVER_ERROR, code.code(), Callback.NOOP);
    }

    private void sendText(Map<String, Object> frame) throws IOException, InterruptedException {
        String text = json(frame);
        await(cb -> session.sendText(text, cb));
    }

    /** Sends and waits until the transport took it: backpressure, and a broken socket seen at once. */
    private static void await(java.util.function.Consumer<Callback> send) throws IOException, InterruptedException {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        send.accept(Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        try {
            sent.get();
        } catch (ExecutionException e) {
            throw new IOException("the terminal's client is gone: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private String key() {
        return terminal.sessionId() + '/' + terminal.commandId();
    }

    private static Map<String, Object> frame(String type) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", type);
        return f;
    }

    private static String json(Map<String, Object> frame) {
        try {
            return Json.mapper().writeValueAsString(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
