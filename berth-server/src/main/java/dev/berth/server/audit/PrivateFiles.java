package dev.berth.server.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * How the log makes its directory and files: readable by the server's user alone (the events name
 * who did what), and with each new file's directory entry forced, so a crash keeps the file too.
 */
final class PrivateFiles {
    private static final FileAttribute<Set<PosixFilePermission>> DIR_0700 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<OpenOption> READ_WRITE =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);

    private PrivateFiles() {}

    static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, DIR_0700);
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                syncDirectory(parent);
            }
        }
    }

    /** Opens {@code file} for reading and writing, creating it (0600) if it is not there. */
    static FileChannel open(Path file) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, READ_WRITE, FILE_0600);
        if (created) {
            syncDirectory(file.toAbsolutePath().getParent());
        }
        return channel;
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
