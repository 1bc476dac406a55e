package dev.berth.server.audit.tty;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an asciicast v2 recording: the header, then events one at a time, so a long recording
 * can be replayed without holding it. A last line that is cut off (the recording is still being
 * written, or the writer died mid-line) is not an event and no error; a bad line before it is.
 * Not thread-safe.
 */
public final class AsciicastReader implements AutoCloseable {
    private final InputStream in;
    private final AsciicastHeader header;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long lineNumber;

    /** Reads the header; fails if there is none, or it is not asciicast v2. */
    public AsciicastReader(InputStream in) throws IOException {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in);
        nextLine();
        if (line.size() == 0) {
            throw new IOException("not an asciicast recording: it has no header line");
        }
        this.header = AsciicastHeader.fromJson(parse());
    }

    /** The whole recording in {@code file}. */
    public static Asciicast readAll(Path file) throws IOException {
        try (AsciicastReader r = new AsciicastReader(Files.newInputStream(file))) {
            List<AsciicastEvent> events = new ArrayList<>();
            for (AsciicastEvent e; (e = r.next()) != null; ) {
                events.add(e);
            }
            return new Asciicast(r.header(), events);
        }
    }

    public AsciicastHeader header() {
        return header;
    }

    /** The next event, or null at the end (or at a last line that was cut off). */
    public AsciicastEvent next() throws IOException {
        while (true) {
            boolean complete = nextLine();
            if (line.size() == 0) {
                if (!complete) {
                    return null;
                }
                continue; // a blank line
            }
            JsonNode e;
            try {
                e = parse();
            } catch (IOException bad) {
                if (!complete) {
                    return null; // torn by a writer that is still at it, or died
                }
                throw bad;
            }
            if (e == null || !e.isArray() || e.size() < 3 || !e.get(0).isNumber() || !e.get(1).isTextual()) {
                throw new IOException("line " + lineNumber + " of the recording is not an event [time, code, data]");
            }
            JsonNode data = e.get(2);
            return new AsciicastEvent(e.get(0).asDouble(), e.get(1).asText(), data.isTextual() ? data.asText() : data.toString());
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads the next line into {@link #line}; true if it ended with a newline. */
    private boolean nextLine() throws IOException {
        line.reset();
        lineNumber++;
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                return true;
            }
            line.write(b);
        }
        return false;
    }

    private JsonNode parse() throws IOException {
        try {
            return Json.mapper().readTree(line.toByteArray());
        } catch (IOException e) {
            throw new IOException("line " + lineNumber + " of the recording is not JSON: " + e.getMessage(), e);
        }
    }
}
