package dev.berth.server.gateway.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Copies an upstream answer to the client chunk by chunk: each chunk is written (and so sent) as
 * soon as it arrives, then shown to the {@link AnswerTap} while it is still held.
 */
final class Pump extends IteratingCallback {
    private final Content.Source source;
    private final Response response;
    private final AnswerTap tap;
    private final Callback done;
    private Content.Chunk current;
    private boolean last;

    Pump(Content.Source source, Response response, AnswerTap tap, Callback done) {
        this.source = source;
        this.response = response;
        this.tap = tap;
        this.done = done;
    }

    @Override
    protected Action process() throws Throwable {
        release();
        if (last) {
            return Action.SUCCEEDED;
        }
        Content.Chunk chunk = source.read();
        if (chunk == null) {
            source.demand(this::iterate);
            return Action.IDLE;
        }
        if (Content.Chunk.isFailure(chunk)) {
            throw new IOException("the upstream's answer broke off", chunk.getFailure());
        }
        current = chunk;
        last = chunk.isLast();
        if (tap.dropsUsageChunk()) {
            response.write(last, tap.forward(chunk.getByteBuffer(), last), this);
        } else {
            ByteBuffer view = chunk.getByteBuffer().slice(); // its own position: the write moves the original's
            response.write(last, chunk.getByteBuffer(), this);
            tap.observe(view);
        }
        return Action.SCHEDULED;
    }

    private void release() {
        if (current != null) {
            current.release();
            current = null;
        }
    }

    @Override
    protected void onCompleteSuccess() {
        tap.end();
        done.succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
        release();
        source.fail(cause);
        tap.end();
        done.failed(cause);
    }
}
