package dev.berth.server.gateway.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * What the gateway reads of an answer as it passes to the client: server-sent events one by one
 * ({@link SseParser}), a JSON body at its end, anything else not at all. It reads a view of bytes
 * already handed to the client, so it never holds them up; the one exception is
 * {@link #dropsUsageChunk}: an OpenAI stream whose usage chunk the gateway asked for on the
 * client's behalf, where whole events are forwarded and that chunk is left out.
 */
final class AnswerTap {
    /** A JSON answer larger than this is forwarded but not metered. */
    private static final int MAX_JSON = 16 << 20;

    private final UsageMeter meter;
    private final SseParser sse;
    private final boolean dropUsageChunk;
    private ByteArrayOutputStream json;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    AnswerTap(UsageMeter meter, String contentType, boolean askedForUsage) {
        this.meter = meter;
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        boolean events = type.startsWith("text/event-stream");
        this.sse = events ? new SseParser(meter::event) : null;
        this.dropUsageChunk = events && askedForUsage;
        this.json = !events && type.contains("json") ? new ByteArrayOutputStream() : null;
    }

    boolean dropsUsageChunk() {
        return dropUsageChunk;
    }

    /** Reads bytes the client has been sent. */
    void observe(ByteBuffer view) {
        if (sse != null) {
            sse.feed(view);
        } else if (json != null) {
            if (json.size() + view.remaining() > MAX_JSON) {
                json = null;
            } else {
                byte[] b = new byte[view.remaining()];
                view.get(b);
                json.writeBytes(b);
            }
        }
    }

    /**
     * For {@link #dropsUsageChunk}: the complete events among the bytes so far, less the usage-only
     * chunk; what is left of an event waits for its end (or for the last chunk, which sends it all).
     */
    ByteBuffer forward(ByteBuffer chunk, boolean last) {
        byte[] in = new byte[chunk.remaining()];
        chunk.get(in);
        pending.writeBytes(in);
        byte[] all = pending.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(all.length);
        int eventStart = 0;
        int lineStart = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            int lineEnd = i > lineStart && all[i - 1] == '\r' ? i - 1 : i;
            if (lineEnd == lineStart) {
                pass(all, eventStart, i + 1, out);
                eventStart = i + 1;
            }
            lineStart = i + 1;
        }
        pending.reset();
        if (last) {
            pass(all, eventStart, all.length, out);
        } else {
            pending.write(all, eventStart, all.length - eventStart);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    private void pass(byte[] all, int from, int to, ByteArrayOutputStream out) {
        if (from == to) {
            return;
        }
        boolean[] drop = {false};
        SseParser one = new SseParser((name, data) -> {
            meter.event(name, data);
            drop[0] |= OpenAiMeter.usageOnly(data);
        });
        one.feed(ByteBuffer.wrap(all, from, to - from));
        one.feed(ByteBuffer.wrap(new byte[] {'\n', '\n'})); // ends an event the last chunk left open
        if (!drop[0]) {
            out.write(all, from, to - from);
        }
    }

    /** The answer has ended: a JSON body is read now. */
    void end() {
        if (json != null && json.size() > 0) {
            meter.body(json.toByteArray());
        }
    }
}
