package dev.berth.server.http;

import dev.berth.api.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;

/** A response of JSON lines, each sent as it is written, safe to write from several threads. */
final class NdJsonLines {
    private final Response response;

    NdJsonLines(Response response) {
        this.response = response;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
    }

    /** Sends the status and headers now, before any line: a client then knows the stream is open. */
    synchronized void begin() throws IOException {
        Content.Sink.write(response, false, ByteBuffer.allocate(0));
    }

    synchronized void write(Object value) throws IOException {
        byte[] json = Json.mapper().writeValueAsBytes(value);
        ByteBuffer b = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        Content.Sink.write(response, false, b);
    }

    synchronized void end() throws IOException {
        Content.Sink.write(response, true, ByteBuffer.allocate(0));
    }
}
