package dev.berth.server.files;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reading a session's workspace from the host, as root, without trusting it: the sandbox may have
 * put symbolic links anywhere, and may swap them while the server looks. A path is resolved by the
 * kernel with the workspace as its root ({@link OpenAt2}); what is then listed or read is the file
 * that resolution found, through its descriptor, never the path again.
 */
public final class WorkspaceFiles {
    /** A listing stops here: a directory of millions of names is not held in memory to be shown. */
    static final int MAX_ENTRIES = 10_000;
    private static final int RETRIES = 8;

    /** One name in a directory; {@code size} for files only. */
    public record Entry(String name, String type, Long size, Instant modifiedAt) {}

    /** A directory's entries: directories first, then by name; {@code truncated} when there were more than shown. */
    public record Listing(String path, List<Entry> entries, Boolean truncated) {}

    private WorkspaceFiles() {}

    /**
     * What {@code path} leads to in the workspace directory {@code workspace}; close it.
     *
     * @throws ApiException {@code file_not_found} when nothing is there (or a link leads nowhere inside)
     */
    public static Found open(Path workspace, SandboxPath path) throws IOException {
        try (OpenAt2.Fd root = OpenAt2.directory(workspace)) {
            for (int attempt = 1; ; attempt++) {
                try {
                    OpenAt2.Fd fd = OpenAt2.inRoot(root, path.relative());
                    try {
                        return new Found(path, fd, Files.readAttributes(fd.proc(), BasicFileAttributes.class));
                    } catch (IOException | RuntimeException e) {
                        fd.close();
                        throw e;
                    }
                } catch (OpenAt2.Failed e) {
                    // EAGAIN: a rename raced the resolution of a "..": the kernel asks for another try
                    if (e.errno != OpenAt2.EAGAIN || attempt == RETRIES) {
                        ApiException shown = refusal(path, e.errno);
                        if (shown != null) {
                            throw shown;
                        }
                        throw e;
                    }
                }
            }
        }
    }

    /** The answer to a failed resolution; null for a failure of the server's own (an internal error). */
    private static ApiException refusal(SandboxPath path, int errno) {
        return switch (errno) {
            case OpenAt2.ENOENT, OpenAt2.ENOTDIR, OpenAt2.ELOOP, OpenAt2.EXDEV ->
                    new ApiException(ErrorCode.FILE_NOT_FOUND, "nothing at " + path.absolute());
            case OpenAt2.ENOSYS, OpenAt2.E2BIG -> new ApiException(ErrorCode.SANDBOX_UNAVAILABLE,
                    "this kernel cannot read workspaces safely: openat2(2) needs Linux 5.6 or later");
            default -> null;
        };
    }

    /** A file or directory found in a workspace, held open (by an {@code O_PATH} descriptor) until closed. */
    public static final class Found implements AutoCloseable {
        private final SandboxPath path;
        private final OpenAt2.Fd fd;
        private final BasicFileAttributes attributes;

        Found(SandboxPath path, OpenAt2.Fd fd, BasicFileAttributes attributes) {
            this.path = path;
            this.fd = fd;
            this.attributes = attributes;
        }

        public boolean isDirectory() {
            return attributes.isDirectory();
        }

        public boolean isRegularFile() {
            return attributes.isRegularFile();
        }

        /** The directory's entries, links not followed (a link is shown as one). */
        public Listing list() throws IOException {
            List<Entry> entries = new ArrayList<>();
            boolean truncated = false;
            try (DirectoryStream<Path> names = Files.newDirectoryStream(fd.proc())) {
                for (Path p : names) {
                    if (entries.size() == MAX_ENTRIES) {
                        truncated = true;
                        break;
                    }
                    entries.add(entry(p));
                }
            }
            entries.sort(Comparator.comparing((Entry e) -> !e.type().equals("dir")).thenComparing(Entry::name));
            return new Listing(path.absolute(), entries, truncated ? true : null);
        }

        private static Entry entry(Path p) throws IOException {
            String name = p.getFileName().toString();
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                return new Entry(name, "other", null, null); // removed since it was listed
            }
            String type = a.isSymbolicLink() ? "link" : a.isDirectory() ? "dir" : a.isRegularFile() ? "file" : "other";
            return new Entry(name, type, a.isRegularFile() ? a.size() : null, a.lastModifiedTime().toInstant());
        }

        /** The file's bytes, from the file found (renaming or replacing its path meanwhile changes nothing). */
        public InputStream read() throws IOException {
            if (!isRegularFile()) {
                throw new IllegalStateException(path.absolute() + " is not a regular file");
            }
            return Files.newInputStream(fd.proc());
        }

        @Override
        public void close() {
            fd.close();
        }
    }
}
