package dev.berth.bench.gateway;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An Anthropic Messages API on loopback for the gateway benchmark: {@code POST /v1/messages}
 * answers a fixed JSON message, or with {@code "stream":true} a stream of {@code tokens}
 * content deltas, one write each and {@code gapNanos} apart, each stamped with the
 * {@link System#nanoTime} at which it was written ({@code "t":…}), so a client in the same process
 * can tell how long each token took to reach it.
 */
public final class FakeModelUpstream implements AutoCloseable {
    static final String MODEL = "claude-sonnet-4-5-20250929";
    private static final byte[] MESSAGE = ("{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
            + "\",\"content\":[{\"type\":\"text\",\"text\":\"Hi there\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":12}}")
            .getBytes(StandardCharsets.UTF_8);

    private final Server jetty = new Server();
    private final ServerConnector connector;
    private final int tokens;
    private final long gapNanos;

    public FakeModelUpstream(int tokens, long gapNanos) throws Exception {
        this.tokens = tokens;
        this.gapNanos = gapNanos;
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                if (body.contains("\"stream\":true")) {
                    stream(response);
                } else {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, MESSAGE.length);
                    Content.Sink.write(response, false, ByteBuffer.wrap(MESSAGE));
                }
                response.write(true, null, callback);
                return true;
            }
        });
        jetty.start();
    }

    private void stream(Response response) throws Exception {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        write(response, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"" + MODEL + "\",\"content\":[],\"usage\":{\"input_tokens\":25,"
                + "\"output_tokens\":1}}}\n\n");
        for (int i = 0; i < tokens; i++) {
            LockSupport.parkNanos(gapNanos);
            write(response, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\" tok\"},\"t\":" + System.nanoTime() + "}\n\n");
        }
        write(response, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":" + tokens + "}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    private static void write(Response response, String event) throws Exception {
        Content.Sink.write(response, false, ByteBuffer.wrap(event.getBytes(StandardCharsets.UTF_8)));
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }
}
