package dev.berth.runtimes.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Unpacked root filesystems, one directory per content id, each written once (in a staging
 * directory, then renamed into place) and never changed after: sessions share them read-only.
 */
public final class RootfsStore {
    private static final Pattern ID = Pattern.compile("[a-z]+-[0-9a-f]{16,64}");

    private final Path trees;
    private final Path staging;

    public RootfsStore(Path dir) throws IOException {
        this.trees = Files.createDirectories(dir.resolve("rootfs"));
        this.staging = Files.createDirectories(dir.resolve("staging"));
        // a deploy cut short (a crash) leaves only staging directories: never a half tree in place
        try (Stream<Path> old = Files.list(staging)) {
            for (Path p : old.toList()) {
                deleteTree(p);
            }
        }
    }

    public static boolean validId(String id) {
        return ID.matcher(id).matches();
    }

    public Path tree(String id) {
        if (!validId(id)) {
            throw new IllegalArgumentException("not a root filesystem id: " + id);
        }
        return trees.resolve(id);
    }

    public boolean contains(String id) {
        return Files.isDirectory(tree(id), LinkOption.NOFOLLOW_LINKS);
    }

    /** A new empty directory to build a tree in; {@link #commit} or {@link #abandon} it. */
    public Path newStaging() throws IOException {
        return Files.createDirectory(staging.resolve(UUID.randomUUID().toString()));
    }

    /** Moves a finished tree into place as {@code id}; if another deploy got there first, that one is kept. */
    public Path commit(Path builtTree, String id) throws IOException {
        Path dest = tree(id);
        try {
            Files.move(builtTree, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            deleteTree(builtTree);
        }
        return dest;
    }

    public void abandon(Path stagingDir) {
        try {
            deleteTree(stagingDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + stagingDir, e);
        }
    }

    public void remove(String id) throws IOException {
        Path t = tree(id);
        // renamed out first, so that a crash mid-delete never leaves a partial tree under its id
        Path doomed = staging.resolve("removing-" + id + "-" + UUID.randomUUID());
        try {
            Files.move(t, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        deleteTree(doomed);
    }

    public Set<String> ids() throws IOException {
        try (Stream<Path> s = Files.list(trees)) {
            return s.map(p -> p.getFileName().toString()).filter(RootfsStore::validId).collect(Collectors.toUnmodifiableSet());
        }
    }

    /** Bytes of regular files in a tree (links and directories not counted). */
    public static long size(Path tree) throws IOException {
        try (Stream<Path> s = Files.walk(tree)) {
            long total = 0;
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(p);
                }
            }
            return total;
        }
    }

    /** Deletes without following links: a link in a tree never leads the delete outside it. */
    static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
