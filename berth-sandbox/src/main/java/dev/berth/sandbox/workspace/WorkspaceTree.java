package dev.berth.sandbox.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies a workspace that is a plain directory (a session without a disk quota) with {@code cp -a
 * --reflink=auto}: modes, owners, times, symbolic and hard links kept; file data shared
 * copy-on-write where the host file system can (XFS with reflink, btrfs), else copied.
 */
public final class WorkspaceTree {
    private WorkspaceTree() {}

    /** Copies everything in {@code from} into {@code to}, which must not exist yet. */
    public static void copy(Path from, Path to) throws IOException {
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(to + " already exists");
        }
        Files.createDirectories(to.getParent());
        if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(to); // a workspace never written to
            return;
        }
        // "from/." copies the directory itself onto "to": its own mode and times too
        WorkspaceImage.run(List.of(WorkspaceImage.tool("cp"), "-a", "--reflink=auto", "--", from + "/.", to.toString()), 3600);
    }
}
