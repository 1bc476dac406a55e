package dev.berth.server.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the audit tests share: realistic drafts, a settable clock, and the log's files as lines. */
final class AuditFixture {
    private AuditFixture() {}

    /** A command's exit, as the sessions part records it. */
    static AuditEvent commandExit(String session, int n) {
        return AuditEvent.draft("alice", "token", "127.0.0.1:50123", session, "command/c-" + n, "command.exit", "ok",
                Map.of("argv", List.of("python3", "-c", "print(" + n + ")"), "cwd", "/mnt/workspace", "exit", 0,
                        "durationMs", 40 + n, "bytes", Map.of("stdout", 2, "stderr", 0)));
    }

    static AuditEvent event(String principal, String session, String action) {
        return AuditEvent.draft(principal, "token", null, session, "session/" + session, action, "ok", Map.of());
    }

    /** Lines of a file, without their newlines; a last line without one is kept as it is. */
    static List<byte[]> lines(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                lines.add(Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        if (start < all.length) {
            lines.add(Arrays.copyOfRange(all, start, all.length));
        }
        return lines;
    }

    /** Writes lines back, each with its newline. */
    static void writeLines(Path file, List<byte[]> lines) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        Files.write(file, out.toByteArray());
    }

    static Path segment(Path dir, int number) {
        return dir.resolve(Segments.name(number));
    }
}
