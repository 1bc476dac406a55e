package dev.berth.server.gateway.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events read incrementally from bytes as they pass (WHATWG framing: {@code event:}
 * and {@code data:} lines, an empty line ends an event; LF, CRLF or CR line ends). It only reads:
 * the bytes it is given are forwarded unchanged by its caller.
 */
final class SseParser {
    /** What an event said: its {@code event:} name (null if none) and its data lines joined by LF. */
    @FunctionalInterface
    interface Listener {
        void event(String name, String data);
    }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private String name;
    private boolean hasData;
    private boolean afterCr;

    SseParser(Listener listener) {
        this.listener = listener;
    }

    void feed(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (b == '\n' && afterCr) {
                afterCr = false; // the LF of a CRLF
                continue;
            }
            afterCr = b == '\r';
            if (b == '\n' || b == '\r') {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    private void line(String l) {
        if (l.isEmpty()) {
            if (hasData) {
                listener.event(name, data.toString());
            }
            name = null;
            data.setLength(0);
            hasData = false;
            return;
        }
        int colon = l.indexOf(':');
        if (colon == 0) {
            return; // a comment (keep-alive)
        }
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(l.length() > colon + 1 && l.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1);
        switch (field) {
            case "event" -> name = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            default -> { } // id, retry: nothing to meter
        }
    }
}
