package dev.berth.server.http;

import dev.berth.api.Json;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.server.sessions.CommandService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;

/**
 * Streams a command's output to an HTTP response as it is produced. Each write blocks until the
 * transport takes it (HTTP/2 flow control included), and only then is the next chunk read, so a
 * slow client slows the command rather than growing the server's heap. A command that prints
 * nothing for a heartbeat interval gets a heartbeat frame: a client that went away is noticed when
 * writing it fails (HTTP/1.1 says nothing otherwise), and its watch on the sandbox is let go.
 */
abstract sealed class OutputStreamer {
    protected final Response response;
    private final Duration heartbeat;

    OutputStreamer(Response response, Duration heartbeat) {
        this.response = response;
        this.heartbeat = heartbeat;
    }

    final void stream(String commandId, RunningCommand command, long offset, Consumer<CommandExit> onExit)
            throws IOException, InterruptedException {
        response.setStatus(200);
        start(commandId);
        try (OutputCursor cursor = command.follow(offset)) {
            while (true) {
                OutputChunk chunk = cursor.next(heartbeat);
                switch (chunk) {
                    case OutputChunk.Data d -> data(d);
                    case OutputChunk.Gap g -> write(new StreamFrame.Trimmed(g.from(), g.to()), false);
                    case OutputChunk.Idle i -> write(new StreamFrame.Heartbeat(), false);
                    case OutputChunk.End e -> {
                        onExit.accept(e.exit());
                        write(new StreamFrame.Exit(CommandService.toStatus(e.exit()), e.exit().endOffset()), true);
                        return;
                    }
                }
            }
        }
    }

    abstract void start(String commandId) throws IOException;

    abstract void data(OutputChunk.Data d) throws IOException;

    abstract void write(StreamFrame frame, boolean last) throws IOException;

    /** {@value FrameCodec#MEDIA_TYPE}: what the CLI asks for; output bytes pass through untouched. */
    static final class Binary extends OutputStreamer {
        private final ByteBuffer out = ByteBuffer.allocateDirect(FrameCodec.OUTPUT_HEADER_BYTES + (256 << 10));

        Binary(Response response, Duration heartbeat) {
            super(response, heartbeat);
        }

        @Override
        void start(String commandId) throws IOException {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, FrameCodec.MEDIA_TYPE);
            write(new StreamFrame.Start(commandId), false);
        }

        @Override
        void data(OutputChunk.Data d) throws IOException {
            ByteBuffer data = d.data();
            while (data.hasRemaining()) {
                int n = Math.min(data.remaining(), out.capacity() - FrameCodec.OUTPUT_HEADER_BYTES);
                out.clear();
                FrameCodec.putOutputHeader(out, d.stderr() ? StreamFrame.Channel.STDERR : StreamFrame.Channel.STDOUT,
                        d.offset() + data.position(), n);
                out.put(data.slice(data.position(), n));
                data.position(data.position() + n);
                out.flip();
                Content.Sink.write(response, false, out);
            }
        }

        @Override
        void write(StreamFrame frame, boolean last) throws IOException {
            Content.Sink.write(response, last, ByteBuffer.wrap(FrameCodec.encode(frame)));
        }
    }

    /**
     * {@code application/x-ndjson}, the default: one JSON object a line, readable with curl and jq.
     * Output is {@code "text"} when the chunk is valid UTF-8, else {@code "base64"}.
     */
    static final class NdJson extends OutputStreamer {
        NdJson(Response response, Duration heartbeat) {
            super(response, heartbeat);
        }

        @Override
        void start(String commandId) throws IOException {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
            line(Map.of("type", "start", "commandId", commandId), false);
        }

        @Override
        void data(OutputChunk.Data d) throws IOException {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", d.stderr() ? "stderr" : "stdout");
            m.put("offset", d.offset());
            putData(m, d.data());
            line(m, false);
        }

        /** Output bytes as JSON: {@code text} when they are valid UTF-8, else {@code base64}, never lossy. */
        static void putData(Map<String, Object> m, ByteBuffer data) {
            try {
                m.put("text", StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(data.duplicate()).toString());
            } catch (CharacterCodingException e) {
                byte[] bytes = new byte[data.remaining()];
                data.duplicate().get(bytes);
                m.put("base64", Base64.getEncoder().encodeToString(bytes));
            }
        }

        @Override
        void write(StreamFrame frame, boolean last) throws IOException {
            Map<String, Object> m = new LinkedHashMap<>();
            switch (frame) {
                case StreamFrame.Trimmed t -> {
                    m.put("type", "trimmed");
                    m.put("from", t.from());
                    m.put("to", t.to());
                }
                case StreamFrame.Heartbeat h -> m.put("type", "heartbeat");
                case StreamFrame.Exit x -> {
                    m.put("type", "exit");
                    m.put("code", x.status().code());
                    m.put("signal", x.status().signal());
                    m.put("timedOut", x.status().timedOut());
                    m.put("durationMs", x.status().durationMs());
                    m.put("endOffset", x.endOffset());
                }
                default -> throw new IllegalArgumentException("not an NDJSON control frame: " + frame);
            }
            line(m, last);
        }

        private void line(Map<String, Object> m, boolean last) throws IOException {
            byte[] json = Json.mapper().writeValueAsBytes(m);
            ByteBuffer b = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
            Content.Sink.write(response, last, b);
        }
    }
}
