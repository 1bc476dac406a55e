package dev.berth.server.audit.tty;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.berth.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Writes an asciicast v2 recording: the header, then one event a line, appended.
 *
 * <p>Events gather in memory and reach the file once 64 KiB have gathered, or on {@link #flush},
 * {@link #sync} and {@link #close}: how far behind the file may be is up to the one who drives the
 * writer ({@link TtyRecorder}: 200 ms). Output and input are each decoded as UTF-8 across events
 * (see {@link Utf8Stream}); control characters are JSON-escaped by Jackson, so the text reads back
 * exactly. Times never go backwards in the file: an event stamped before the one written ahead of
 * it gets that one's time (output and input come from different threads). Thread-safe; after
 * {@link #close} events are dropped, since a late keystroke of a client that is leaving is no error.
 */
public final class AsciicastWriter implements AutoCloseable {
    private static final int FLUSH_AT = 64 << 10;

    private final Instant start;
    /** Not a FileChannel: an interrupted writer thread would close a channel under everyone. */
    private final FileOutputStream file;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final JsonGenerator json;
    private final Utf8Stream output = new Utf8Stream();
    private final Utf8Stream input = new Utf8Stream();
    private long written;
    private long lastMicros;
    private boolean closed;

    private AsciicastWriter(Path path, Instant start, long written, double notBefore) throws IOException {
        this.start = start;
        this.file = new FileOutputStream(path.toFile(), true);
        this.written = written;
        this.lastMicros = Math.max(0, Math.round(notBefore * 1e6));
        this.json = Json.mapper().createGenerator(pending);
        json.setRootValueSeparator(null); // the writer puts a newline after each value itself
    }

    /** Starts a recording in {@code path}, replacing what was there. */
    public static AsciicastWriter create(Path path, AsciicastHeader header) throws IOException {
        Objects.requireNonNull(header.timestamp(), "a recording's header needs its start time");
        Files.write(path, new byte[0]);
        AsciicastWriter w = new AsciicastWriter(path, header.timestamp(), 0, 0);
        synchronized (w) {
            w.json.writeObject(header.toJson());
            w.endLine();
        }
        return w;
    }

    /**
     * Continues the recording in {@code path}: its first {@code length} bytes stay (what was
     * recorded for sure), anything after them goes (a torn last line, events recorded again now).
     *
     * @param start     the recording's start, which event times count from
     * @param notBefore the time of the last event kept, in seconds: later events are not earlier
     * @throws IOException also when the file is shorter than {@code length}: it is not the recording
     *     that length belongs to
     */
    public static AsciicastWriter resume(Path path, Instant start, long length, double notBefore) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            if (ch.size() < length) {
                throw new IOException(path + " has " + ch.size() + " bytes, fewer than the " + length + " recorded");
            }
            ch.truncate(length);
        }
        return new AsciicastWriter(path, start, length, notBefore);
    }

    /** Output the terminal showed at {@code at}; bytes of a character it has not finished wait for the rest. */
    public synchronized void output(ByteBuffer data, Instant at) throws IOException {
        if (!closed) {
            event(at, AsciicastEvent.OUTPUT, output.decode(data));
        }
    }

    public void output(byte[] data, Instant at) throws IOException {
        output(ByteBuffer.wrap(data), at);
    }

    /**
     * The output that follows does not continue what came before (some was skipped, or it ended):
     * an unfinished character left over is written as U+FFFD.
     */
    public synchronized void outputBreak(Instant at) throws IOException {
        if (!closed) {
            event(at, AsciicastEvent.OUTPUT, output.finish());
        }
    }

    /** Bytes of output held back as the start of an unfinished character (0 to 3). */
    public synchronized int pendingOutputBytes() {
        return output.pending();
    }

    /** What was typed at {@code at}. */
    public synchronized void input(byte[] data, Instant at) throws IOException {
        if (!closed) {
            event(at, AsciicastEvent.INPUT, input.decode(ByteBuffer.wrap(data)));
        }
    }

    /** The terminal became {@code cols} by {@code rows} at {@code at}. */
    public synchronized void resize(int cols, int rows, Instant at) throws IOException {
        if (!closed) {
            event(at, AsciicastEvent.RESIZE, cols + "x" + rows);
        }
    }

    /** A marker (a point players let you jump to) labelled {@code label}. */
    public synchronized void marker(String label, Instant at) throws IOException {
        if (!closed) {
            writeEvent(at, AsciicastEvent.MARKER, label);
        }
    }

    /** Bytes the recording has, counting those not yet in the file. */
    public synchronized long length() throws IOException {
        json.flush();
        return written + pending.size();
    }

    /** The time of the last event written, in seconds since the start. */
    public synchronized double lastTime() {
        return lastMicros / 1e6;
    }

    /** Hands what has gathered to the file (the operating system has it; a crash of this process loses nothing). */
    public synchronized void flush() throws IOException {
        if (!closed) {
            drain();
        }
    }

    /** {@link #flush}, and waits until it is on the disk; says what the file holds now. */
    public synchronized Synced sync() throws IOException {
        if (!closed) {
            drain();
            file.getFD().sync();
        }
        return new Synced(written, lastTime());
    }

    /** What a recording's file held at a {@link #sync}: its length, and the time of its last event. */
    public record Synced(long length, double lastTime) {}

    /**
     * Flushes and closes. An unfinished character at the end of the output is left out, not
     * written as U+FFFD: whoever resumes the recording reads those bytes again (call
     * {@link #outputBreak} first to keep them).
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            drain();
        } finally {
            closed = true;
            file.close();
        }
    }

    private void event(Instant at, String code, String text) throws IOException {
        if (!text.isEmpty()) {
            writeEvent(at, code, text);
        }
    }

    private void writeEvent(Instant at, String code, String text) throws IOException {
        lastMicros = Math.max(lastMicros, micros(Duration.between(start, at)));
        json.writeStartArray();
        json.writeNumber(BigDecimal.valueOf(lastMicros, 6)); // plain seconds with 6 decimals, as asciinema writes
        json.writeString(code);
        json.writeString(text);
        json.writeEndArray();
        endLine();
    }

    private void endLine() throws IOException {
        json.writeRaw('\n');
        json.flush();
        if (pending.size() >= FLUSH_AT) {
            drain();
        }
    }

    private void drain() throws IOException {
        json.flush();
        if (pending.size() > 0) {
            pending.writeTo(file);
            written += pending.size();
            pending.reset();
        }
    }

    private static long micros(Duration d) {
        return d.isNegative() ? 0 : d.getSeconds() * 1_000_000 + d.getNano() / 1_000;
    }
}
