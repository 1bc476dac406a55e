package dev.berth.server.audit.tty;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a byte stream that arrives in pieces into text. A character split between two pieces is
 * held back until its last byte comes, so it is not shown as two U+FFFD; bytes that are not UTF-8
 * become U+FFFD. Not thread-safe.
 */
final class Utf8Stream {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** The start of a character whose end has not come yet: at most 3 bytes. */
    private byte[] tail = new byte[0];

    /** The text of {@code piece} after what came before; an incomplete character at its end waits. */
    String decode(ByteBuffer piece) {
        ByteBuffer in = ByteBuffer.allocate(tail.length + piece.remaining()).put(tail).put(piece).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining());
        decoder.decode(in, out, false); // UNDERFLOW: errors are replaced, not reported
        tail = new byte[in.remaining()];
        in.get(tail);
        return out.flip().toString();
    }

    /** Ends the stream here: a held-back incomplete character becomes U+FFFD (empty if none). */
    String finish() {
        ByteBuffer in = ByteBuffer.wrap(tail);
        CharBuffer out = CharBuffer.allocate(tail.length + 1);
        decoder.decode(in, out, true);
        decoder.flush(out);
        decoder.reset();
        tail = new byte[0];
        return out.flip().toString();
    }

    /** How many bytes are held back, waiting for the rest of their character. */
    int pending() {
        return tail.length;
    }
}
