package dev.berth.runtimes.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.berth.runtimes.archive.ArchiveException.Kind;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Enumeration;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a zip or a tar (plain or gzip) into a new directory, refusing what a hostile archive
 * tries: names outside the destination, links that point or are written through out of it, device
 * nodes, and more bytes or entries than the limits (checked while unpacking, so a bomb stops
 * early). It unpacks into a staging directory next to the destination and renames it into place
 * only when everything was accepted: a refused archive leaves nothing behind.
 */
public final class SafeUnpacker {
    private static final int MAX_LINK_TARGET = 4096;
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final ArchiveLimits limits;
    private final IdShift ids;

    /** Unpacks with the files owned by whoever runs this (no ownership from the archive). */
    public SafeUnpacker(ArchiveLimits limits) {
        this(limits, IdShift.NONE);
    }

    /** Unpacks with each entry's owner and group moved into {@code ids}' range (the root of a sandbox's user namespace). */
    public SafeUnpacker(ArchiveLimits limits, IdShift ids) {
        this.limits = limits;
        this.ids = ids;
    }

    /**
     * A project zip: its links may only point inside it, by relative paths (its files are read on
     * the host too, where an absolute link would mean the host's own files).
     */
    public void unpackZip(Path zip, Path dest) throws ArchiveException, IOException {
        unpack(List.of(zip), dest, false, root -> {
            try (ZipFile z = ZipFile.builder().setPath(zip).get()) {
                for (Enumeration<ZipArchiveEntry> e = z.getEntries(); e.hasMoreElements(); ) {
                    ZipArchiveEntry entry = e.nextElement();
                    if (entry.isUnixSymlink()) {
                        try (InputStream in = z.getInputStream(entry)) {
                            root.own(root.symlink(entry.getName(), linkTarget(in)), 0, 0);
                        }
                    } else if (entry.isDirectory()) {
                        root.own(root.directory(entry.getName(), entry.getUnixMode()), 0, 0);
                    } else if (isSpecial(entry.getUnixMode())) {
                        throw new ArchiveException(Kind.SPECIAL_FILE, entry.getName() + ": not a file, directory or link");
                    } else {
                        try (InputStream in = z.getInputStream(entry)) {
                            root.own(root.file(entry.getName(), entry.getUnixMode(), in), 0, 0);
                        }
                    }
                }
            }
        });
    }

    /**
     * A tar, gzip-compressed or not: a root filesystem's layer, whose absolute links mean paths in
     * that root filesystem (checked as such).
     */
    public void unpackTar(Path tar, Path dest) throws ArchiveException, IOException {
        unpack(List.of(tar), dest, true, root -> readTar(tar, root, false));
    }

    /**
     * An image's layers, lowest first, into one root filesystem: each layer's whiteouts
     * ({@code .wh.NAME} removes NAME of the layers below, {@code .wh..wh..opq} empties its directory of
     * them) are applied, not unpacked; the limits count all layers together.
     */
    public void unpackLayers(List<Path> layers, Path dest) throws ArchiveException, IOException {
        unpack(layers, dest, true, root -> {
            for (Path layer : layers) {
                root.newLayer();
                readTar(layer, root, true);
            }
        });
    }

    private static void readTar(Path tar, Tree root, boolean whiteouts) throws ArchiveException, IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar));
                TarArchiveInputStream in = new TarArchiveInputStream(decompressed(raw))) {
            for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                String name = entry.getName();
                String base = name.substring(name.lastIndexOf('/', name.length() - 2) + 1);
                if (whiteouts && base.equals(OPAQUE)) {
                    root.opaque(name.substring(0, name.length() - base.length()));
                } else if (whiteouts && base.startsWith(WHITEOUT)) {
                    root.whiteout(name.substring(0, name.length() - base.length()) + base.substring(WHITEOUT.length()));
                } else if (entry.isSymbolicLink()) {
                    root.own(root.symlink(name, entry.getLinkName()), entry.getLongUserId(), entry.getLongGroupId());
                } else if (entry.isLink()) {
                    root.hardlink(name, entry.getLinkName());
                } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    // before isFile(), which takes any type it does not know for a file
                    throw new ArchiveException(Kind.SPECIAL_FILE, name + ": a device node or FIFO");
                } else if (entry.isDirectory()) {
                    root.own(root.directory(name, entry.getMode()), entry.getLongUserId(), entry.getLongGroupId());
                } else if (entry.isFile()) {
                    root.own(root.file(name, entry.getMode(), in), entry.getLongUserId(), entry.getLongGroupId());
                } else {
                    throw new ArchiveException(Kind.SPECIAL_FILE, name + ": a device node, FIFO or other special file");
                }
            }
        }
    }

    @FunctionalInterface
    private interface Reader {
        void readInto(Tree root) throws ArchiveException, IOException;
    }

    private void unpack(List<Path> archives, Path dest, boolean absoluteLinks, Reader reader)
            throws ArchiveException, IOException {
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(dest.toString());
        }
        Path parent = dest.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + dest.getFileName() + ".unpacking-");
        boolean done = false;
        try {
            long size = 0;
            for (Path a : archives) {
                size += Files.size(a);
            }
            Tree tree = new Tree(staging.toRealPath(), size, absoluteLinks);
            reader.readInto(tree);
            tree.ownRoot();
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } catch (ArchiveException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // commons-compress says "truncated", "corrupt" or "unexpected end" in many ways: all one refusal
            throw new ArchiveException(Kind.CORRUPT, "not a readable archive: " + e.getMessage(), e);
        } finally {
            if (!done) {
                deleteTree(staging);
            }
        }
    }

    /** Image layers come plain, gzip- or zstd-compressed; the magic bytes say which, whatever the media type claims. */
    private static InputStream decompressed(InputStream raw) throws IOException {
        raw.mark(4);
        byte[] m = raw.readNBytes(4);
        raw.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return new GzipCompressorInputStream(raw, true);
        }
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f && (m[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(raw);
        }
        return raw;
    }

    private static String linkTarget(InputStream in) throws IOException, ArchiveException {
        byte[] b = in.readNBytes(MAX_LINK_TARGET + 1);
        if (b.length > MAX_LINK_TARGET) {
            throw new ArchiveException(Kind.LINK_ESCAPE, "a link target longer than " + MAX_LINK_TARGET + " bytes");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A Unix mode's file type other than regular file, directory or link (0 means none given). */
    private static boolean isSpecial(int mode) {
        int type = mode & 0170000;
        return type != 0 && type != 0100000 && type != 0040000 && type != 0120000;
    }

    /** The destination being filled, with the limits' running counts. */
    private final class Tree {
        private final Path root;
        private final long archiveBytes;
        private final boolean absoluteLinks;
        private long entries;
        private long bytes;
        /** What the layer being applied has put there: an opaque marker keeps those. */
        private final Set<Path> thisLayer = new HashSet<>();

        Tree(Path root, long archiveBytes, boolean absoluteLinks) {
            this.root = root;
            this.archiveBytes = Math.max(1, archiveBytes);
            this.absoluteLinks = absoluteLinks;
        }

        void newLayer() {
            thisLayer.clear();
        }

        /** {@code .wh.NAME}: NAME of the layers below is gone (it may not be there at all). */
        void whiteout(String name) throws ArchiveException, IOException {
            clear(place(name));
        }

        /** {@code DIR/.wh..wh..opq}: DIR keeps only what this layer puts in it. */
        void opaque(String dirName) throws ArchiveException, IOException {
            Path d = dirName.isEmpty() ? root : place(dirName);
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            try (java.util.stream.Stream<Path> children = Files.list(d)) {
                for (Path c : children.toList()) {
                    if (!thisLayer.contains(c)) {
                        clear(c);
                    }
                }
            }
        }

        Path directory(String name, int mode) throws ArchiveException, IOException {
            Path p = place(name);
            if (p.equals(root)) {
                return p; // "./"
            }
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                clear(p);
                Files.createDirectory(p);
            }
            permissions(p, mode | 0700); // we must be able to fill it
            return p;
        }

        Path file(String name, int mode, InputStream in) throws ArchiveException, IOException {
            Path p = place(name);
            clear(p);
            // CREATE_NEW: O_EXCL, which never follows a link put there meanwhile
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[64 << 10];
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                    if (bytes > limits.maxBytes()) {
                        throw new ArchiveException(Kind.TOO_LARGE, "unpacks to more than " + limits.maxBytes() + " bytes");
                    }
                    if (bytes / archiveBytes > limits.maxRatio()) {
                        throw new ArchiveException(Kind.TOO_LARGE, "unpacks to more than " + limits.maxRatio()
                                + " times its own size (a decompression bomb?)");
                    }
                    out.write(buf, 0, n);
                }
            }
            permissions(p, mode == 0 ? 0644 : mode);
            return p;
        }

        Path symlink(String name, String target) throws ArchiveException, IOException {
            Path p = place(name);
            if (target.isEmpty() || target.indexOf('\0') >= 0) {
                throw new ArchiveException(Kind.LINK_ESCAPE, name + ": a link with an empty or invalid target");
            }
            Path resolved;
            if (target.startsWith("/")) {
                if (!absoluteLinks) {
                    throw new ArchiveException(Kind.LINK_ESCAPE, name + " -> " + target + ": an absolute link");
                }
                resolved = root.resolve(target.substring(1)).normalize();
            } else {
                resolved = p.getParent().resolve(target).normalize();
            }
            if (!resolved.startsWith(root)) {
                throw new ArchiveException(Kind.LINK_ESCAPE, name + " -> " + target + ": points outside the archive");
            }
            clear(p);
            Files.createSymbolicLink(p, Path.of(target));
            return p;
        }

        /** Gives an unpacked entry its archive owner, shifted; a link is changed itself, not what it points to. */
        void own(Path p, long uid, long gid) throws IOException {
            if (ids.shifts()) {
                Files.setAttribute(p, "unix:uid", (int) ids.host(uid), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) ids.host(gid), LinkOption.NOFOLLOW_LINKS);
            }
        }

        /** The root directory is made here, not by an entry: the namespace's root owns it. */
        void ownRoot() throws IOException {
            if (ids.shifts() && (int) Files.getAttribute(root, "unix:uid") == 0) {
                own(root, 0, 0);
                permissions(root, 0755);
            }
        }

        void hardlink(String name, String target) throws ArchiveException, IOException {
            Path p = place(name);
            Path existing = place(target);
            if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
                throw new ArchiveException(Kind.LINK_ESCAPE, name + " => " + target
                        + ": a hard link must name a file unpacked before it");
            }
            clear(p);
            Files.createLink(p, existing);
        }

        /**
         * Where an entry goes, after checking its name and that no directory on the way is a link
         * (writing through one would land wherever it points); missing directories are made.
         */
        private Path place(String name) throws ArchiveException, IOException {
            if (++entries > limits.maxEntries()) {
                throw new ArchiveException(Kind.TOO_LARGE, "more than " + limits.maxEntries() + " entries");
            }
            String n = name;
            while (n.startsWith("./")) {
                n = n.substring(2);
            }
            if (n.isEmpty() || n.equals(".")) {
                return root;
            }
            if (n.startsWith("/") || n.indexOf('\0') >= 0 || n.indexOf('\\') >= 0) {
                throw new ArchiveException(Kind.UNSAFE_PATH, "entry name " + name + " is absolute or not a plain path");
            }
            for (String part : n.split("/")) {
                if (part.equals("..")) {
                    throw new ArchiveException(Kind.UNSAFE_PATH, "entry name " + name + " climbs out with ..");
                }
            }
            Path p = root.resolve(n).normalize();
            if (!p.startsWith(root) || p.equals(root)) {
                throw new ArchiveException(Kind.UNSAFE_PATH, "entry name " + name + " is outside the archive");
            }
            Path dir = root;
            for (Path part : root.relativize(p.getParent() == null ? root : p.getParent())) {
                if (part.toString().isEmpty()) {
                    break;
                }
                dir = dir.resolve(part);
                if (Files.isSymbolicLink(dir)) {
                    throw new ArchiveException(Kind.LINK_ESCAPE, "entry " + name + " would be written through the link "
                            + root.relativize(dir));
                }
                if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(dir);
                } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ArchiveException(Kind.UNSAFE_PATH, "entry " + name + " goes inside " + root.relativize(dir)
                            + ", which is a file");
                }
                thisLayer.add(dir);
            }
            thisLayer.add(p);
            return p;
        }

        /** A later entry of the same name replaces the earlier one (tar's rule); a link is removed, not followed. */
        private void clear(Path p) throws IOException {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
            } else {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Owner, group and others' read/write/execute bits; never setuid, setgid or sticky. */
    private static void permissions(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }

    private static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() { // does not follow links
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(dir, EnumSet.allOf(PosixFilePermission.class)); // a 0555 dir holds its files
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
