package dev.berth.server.harness;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Bytes of one output stream into lines (UTF-8, malformed bytes replaced). A line longer than the
 * limit is cut there and the rest of it dropped: a harness printing a megabyte without a newline must
 * not grow the server's heap.
 */
final class LineSplitter {
    private final int maxLine;
    private final Consumer<String> sink;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean overlong;

    LineSplitter(int maxLine, Consumer<String> sink) {
        this.maxLine = maxLine;
        this.sink = sink;
    }

    void feed(ByteBuffer data) {
        while (data.hasRemaining()) {
            byte b = data.get();
            if (b == '\n') {
                emit();
            } else if (line.size() < maxLine) {
                line.write(b);
            } else {
                overlong = true;
            }
        }
    }

    /** What is left when the stream ends: a last line without its newline. */
    void end() {
        if (line.size() > 0 || overlong) {
            emit();
        }
    }

    private void emit() {
        String s = line.toString(StandardCharsets.UTF_8);
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        line.reset();
        overlong = false;
        sink.accept(s);
    }
}
