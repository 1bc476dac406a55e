package dev.berth.sandbox.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A workspace on its own ext4 file system, kept in a sparse image file and loop-mounted on the host
 * where the sandbox binds it. The file system's size is the disk quota: a session that fills it gets
 * ENOSPC, and no other session or the host notices. The same image can later be handed to a microVM
 * as its block device.
 *
 * <p>Mounting is done with the system calls directly ({@link LoopMount}, on the create and resume
 * paths), else by {@code mount(8)}; unmounting by {@code umount(8)} and making file systems by
 * {@code mkfs.ext4(8)}, off the latency-critical paths (see {@link SpareImages}).
 *
 * @param image the image file
 * @param mountPoint the directory it is mounted on (the workspace directory)
 */
public record WorkspaceImage(Path image, Path mountPoint) {
    /** Smallest quota: below this ext4's own metadata leaves too little room to be useful. */
    public static final long MIN_BYTES = 16L << 20;

    private static final Optional<String> UNAVAILABLE = probe();

    /** Why images cannot be used on this machine (not root, no loop devices, no mkfs.ext4), or empty. */
    public static Optional<String> unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Makes the image: a sparse file of {@code bytes} with an empty ext4 file system. Inode tables
     * and the journal are left uninitialised (the kernel tracks which are in use), so a new 10 GiB
     * workspace takes about 4 MiB of host disk, and mounting never starts zeroing them in the
     * background.
     */
    public void create(long bytes) throws IOException {
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("a workspace file system needs at least " + (MIN_BYTES >> 20) + " MiB");
        }
        Files.createDirectories(image.getParent());
        Files.deleteIfExists(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes); // sparse: blocks are allocated as the file system writes them
        }
        run(List.of(tool("mkfs.ext4"), "-q", "-F", "-m", "0", "-L", "berth-workspace",
                "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", image.toString()));
    }

    /** Mounts the image on the workspace directory unless it already is; idempotent. */
    public void mount() throws IOException {
        if (mounted()) {
            return;
        }
        if (!Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("workspace image " + image + " is missing");
        }
        Files.createDirectories(mountPoint);
        try {
            LoopMount.mount(image, mountPoint, "noinit_itable");
        } catch (IOException | LinkageError e) {
            // an older kernel (no LOOP_CONFIGURE) or no device node: mount(8) knows more ways
            run(List.of(tool("mount"), "-t", "ext4", "-o", "loop,noatime,nosuid,nodev,noinit_itable",
                    image.toString(), mountPoint.toString()));
        }
        // mkfs leaves lost+found, unreadable to the sandbox: it would only trip up tools like git
        Path lostFound = mountPoint.resolve("lost+found");
        try {
            Files.deleteIfExists(lostFound);
        } catch (IOException ignored) {
            // not empty: e2fsck put something there, keep it
        }
    }

    /** Unmounts (lazily when something on the host still uses it); idempotent. */
    public void unmount() throws IOException {
        if (!mounted()) {
            return;
        }
        try {
            run(List.of(tool("umount"), mountPoint.toString()));
        } catch (IOException busy) {
            run(List.of(tool("umount"), "-l", mountPoint.toString()));
        }
    }

    /** How {@link #copyTo} copied an image. */
    public enum Copy {
        /** FICLONE: the copy shares the source's extents until either writes (XFS with reflink, btrfs). */
        REFLINK,
        /** Only the image's data regions were copied; its holes stay holes. */
        SPARSE_COPY
    }

    /**
     * Copies the image file to {@code target}'s (which must not exist yet): a reflink clone where the
     * host file system can make one, else a sparse copy. The image must not change meanwhile: it is
     * unmounted, or mounted and {@linkplain #freeze frozen}. A failed copy leaves no target file.
     */
    public Copy copyTo(WorkspaceImage target) throws IOException {
        Files.createDirectories(target.image().getParent());
        long length = Files.size(image);
        Files.createFile(target.image()); // fails if it exists: never overwrite another session's workspace
        boolean done = false;
        try (FileSystemCalls.Fd from = FileSystemCalls.open(image, FileSystemCalls.O_RDONLY);
                FileSystemCalls.Fd to = FileSystemCalls.open(target.image(), FileSystemCalls.O_WRONLY)) {
            Copy how = Copy.REFLINK;
            if (FileSystemCalls.cloneOrErrno(from, to) != 0) {
                FileSystemCalls.copySparse(from, to, length);
                how = Copy.SPARSE_COPY;
            }
            done = true;
            return how;
        } finally {
            if (!done) {
                Files.deleteIfExists(target.image());
            }
        }
    }

    /**
     * Freezes the mounted file system: what it holds is flushed to the image, and every write to it
     * blocks (the writers just wait) until {@link Frozen#close}. Nothing to do when unmounted.
     */
    public Frozen freeze() throws IOException {
        if (!mounted()) {
            return new Frozen(null);
        }
        FileSystemCalls.Fd dir = FileSystemCalls.open(mountPoint, FileSystemCalls.O_RDONLY | FileSystemCalls.O_DIRECTORY);
        try {
            FileSystemCalls.freeze(dir);
        } catch (IOException e) {
            dir.close();
            throw e;
        }
        return new Frozen(dir);
    }

    /**
     * Thaws a file system left frozen (by a server that died mid-snapshot, say); nothing when it
     * is not frozen or not mounted.
     */
    public void thawIfFrozen() {
        if (!mounted()) {
            return;
        }
        try (FileSystemCalls.Fd dir = FileSystemCalls.open(mountPoint, FileSystemCalls.O_RDONLY | FileSystemCalls.O_DIRECTORY)) {
            FileSystemCalls.thaw(dir);
        } catch (IOException notFrozen) {
            // EINVAL: it was not frozen
        }
    }

    /** A frozen workspace file system; closing thaws it. */
    public static final class Frozen implements AutoCloseable {
        private FileSystemCalls.Fd dir;

        private Frozen(FileSystemCalls.Fd dir) {
            this.dir = dir;
        }

        @Override
        public void close() throws IOException {
            if (dir == null) {
                return;
            }
            try {
                FileSystemCalls.thaw(dir);
            } finally {
                dir.close();
                dir = null;
            }
        }
    }

    public boolean mounted() {
        return Mounts.isMountPoint(mountPoint);
    }

    /** Bytes in use on the mounted file system (data and ext4's own metadata); empty when unmounted. */
    public OptionalLong usedBytes() {
        if (!mounted()) {
            return OptionalLong.empty();
        }
        try {
            var store = Files.getFileStore(mountPoint);
            return OptionalLong.of(store.getTotalSpace() - store.getUnallocatedSpace());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static void run(List<String> cmd) throws IOException {
        run(cmd, 60);
    }

    static void run(List<String> cmd, long timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd.getFirst() + " failed (" + p.exitValue() + "): " + out);
        }
    }

    static String tool(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new UncheckedIOException(new IOException(name + " not found in /usr/sbin, /sbin, /usr/bin or /bin"));
    }

    private static Optional<String> probe() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("workspace file systems need Linux");
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return Optional.of("no loop devices (/dev/loop-control is missing; modprobe loop)");
        }
        List<String> missing = new ArrayList<>();
        for (String t : List.of("mkfs.ext4", "mount", "umount")) {
            try {
                tool(t);
            } catch (UncheckedIOException e) {
                missing.add(t);
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("missing " + String.join(", ", missing) + " (Debian: apt-get install e2fsprogs mount)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("mounting workspace file systems needs root");
        }
        return Optional.empty();
    }
}
