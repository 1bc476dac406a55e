package dev.berth.server.audit.tty;

import dev.berth.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * How far a recording got, kept beside it in {@code FILE.offset} so a restarted server goes on
 * where the last one stopped. It pairs the command's output offset with the recording's length
 * at that point, replaced in one rename: on resume the file is cut back to {@code length} and
 * output is read again from {@code offset}, so nothing is recorded twice or lost whatever the
 * moment the server died. (The offset cannot be derived from the file: invalid bytes became
 * U+FFFD and trimmed output a marker.)
 *
 * @param offset   output offset up to which the recording holds the output (bytes of an
 *                 unfinished character are after it)
 * @param length   bytes of the recording file that hold exactly that
 * @param start    when the recording's time 0 is
 * @param lastTime the time of the last event in those bytes, in seconds
 * @param ended    whether the command's end was recorded: there is nothing more to follow
 */
record RecordingCheckpoint(long offset, long length, Instant start, double lastTime, boolean ended) {

    static Path pathFor(Path recording) {
        return recording.resolveSibling(recording.getFileName() + ".offset");
    }

    /** The checkpoint of {@code recording}; empty when there is none or it cannot be read. */
    static Optional<RecordingCheckpoint> read(Path recording) {
        Path p = pathFor(recording);
        try {
            return Optional.of(Json.mapper().readValue(Files.readAllBytes(p), RecordingCheckpoint.class))
                    .filter(c -> c.start() != null && c.offset() >= 0 && c.length() > 0);
        } catch (IOException e) {
            return Optional.empty(); // missing, or torn by a crash of the machine: record afresh
        }
    }

    /** Replaces the checkpoint at once: a reader sees the old one or this one. */
    void write(Path recording) throws IOException {
        Path p = pathFor(recording);
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.write(tmp, Json.mapper().writeValueAsBytes(this));
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
