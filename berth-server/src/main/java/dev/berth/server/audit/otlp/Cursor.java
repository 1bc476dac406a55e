package dev.berth.server.audit.otlp;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The seq up to which the receiver has the log, in the file {@code cursor} of a state directory.
 * Written to a temporary file, forced to disk, then renamed over the old one, so a crash leaves
 * either the old value or the new one, never a torn file.
 */
final class Cursor {
    static final String FILE = "cursor";

    private final Path file;
    private final Path temp;

    Cursor(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        this.file = stateDir.resolve(FILE);
        this.temp = stateDir.resolve(FILE + ".tmp");
    }

    /** The stored seq, 0 when nothing was ever stored. */
    long load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return 0;
        }
        try {
            long seq = Long.parseLong(text);
            if (seq < 0) {
                throw new NumberFormatException("negative");
            }
            return seq;
        } catch (NumberFormatException e) {
            // guessing 0 would resend everything, guessing high would lose events: ask a person
            throw new IOException(file + " does not hold a seq (" + e.getMessage() + "); fix or delete it", e);
        }
    }

    void store(long seq) throws IOException {
        byte[] bytes = (seq + "\n").getBytes(StandardCharsets.US_ASCII);
        // a FileOutputStream, not a FileChannel: an interrupt (the exporter closing) must not abort the write
        try (FileOutputStream out = new FileOutputStream(temp.toFile())) {
            out.write(bytes);
            out.getFD().sync();
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
