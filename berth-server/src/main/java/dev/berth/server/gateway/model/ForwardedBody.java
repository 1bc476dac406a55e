package dev.berth.server.gateway.model;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * A sandbox's request body as the upstream request's content: the client reads the server
 * request's chunks as they come (no copy, no buffering, its own demand).
 */
record ForwardedBody(Request request, String contentType, long length) implements org.eclipse.jetty.client.Request.Content {
    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public Content.Chunk read() {
        return request.read();
    }

    @Override
    public void demand(Runnable demandCallback) {
        request.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
        request.fail(failure);
    }

    @Override
    public boolean rewind() {
        return false; // read once: the gateway never retries a call
    }
}
