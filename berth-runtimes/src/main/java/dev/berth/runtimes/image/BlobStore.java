package dev.berth.runtimes.image;

import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Content-addressed blobs under {@code ROOT/sha256/HEX}. A blob is streamed into a temporary file
 * in ROOT while its sha256 and length are checked, and renamed into place only when both match: so
 * every file under {@code sha256/} is a verified blob, and one already there is reused as it is
 * (a second image on the same base downloads only its own layers).
 */
public final class BlobStore {
    private static final int BUFFER = 256 << 10;
    private static final String TEMP_PREFIX = ".incoming-";
    /** Older partial files are a killed process's, not a pull still running: removed on open. */
    private static final Duration STALE = Duration.ofHours(6);

    private final Path root;
    private final Path blobs;

    public BlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath();
        this.blobs = this.root.resolve("sha256");
        Files.createDirectories(blobs);
        removeStalePartials();
    }

    private void removeStalePartials() throws IOException {
        Instant before = Instant.now().minus(STALE);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
            for (Path p : partials) {
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    public Path root() {
        return root;
    }

    /** Where the blob is, or would be. */
    public Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    public boolean contains(Digest digest) {
        return Files.isRegularFile(path(digest), LinkOption.NOFOLLOW_LINKS);
    }

    /** A blob of exactly that size already stored, or null. */
    Path existing(Digest digest, long size) throws IOException {
        Path p = path(digest);
        // a size that differs can only be damage from outside: fetched again, it is replaced
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == size ? p : null;
    }

    /** A blob put into the store; {@code written} is false when it was there already. */
    record Stored(Digest digest, Path path, long size, boolean written) {}

    /**
     * Copies exactly {@code size} bytes of {@code in} into the store, refusing a stream that is
     * shorter (TRUNCATED), longer, or of another sha256 than {@code expected} (DIGEST_MISMATCH). With
     * {@code expected} null any content is taken, under its own digest. Nothing of a refused blob is
     * left behind.
     *
     * @param what the blob as a user knows it, for messages ("layer 2", "the config")
     */
    Stored put(InputStream in, Digest expected, long size, String what) throws ImageException, IOException {
        Path temp = Files.createTempFile(root, TEMP_PREFIX, ".partial");
        try {
            MessageDigest sha = Digest.sha256();
            long total = 0;
            try (OutputStream out = Files.newOutputStream(temp)) {
                byte[] buf = new byte[BUFFER];
                while (total <= size) { // one byte past size tells a longer stream
                    int n;
                    try {
                        n = in.read(buf, 0, (int) Math.min(buf.length, size + 1 - total));
                    } catch (IOException e) {
                        throw new ImageException(Kind.TRUNCATED, what + " broke off after " + total + " of " + size
                                + " bytes (" + e.getClass().getSimpleName() + ")", e);
                    }
                    if (n < 0) {
                        break;
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    total += n;
                }
            }
            if (total > size) {
                throw new ImageException(Kind.DIGEST_MISMATCH, what + " is larger than the " + size
                        + " bytes its descriptor says");
            }
            if (total < size) {
                throw new ImageException(Kind.TRUNCATED, what + " ended after " + total + " of " + size + " bytes");
            }
            Digest actual = new Digest(HexFormat.of().formatHex(sha.digest()));
            if (expected != null && !expected.equals(actual)) {
                throw new ImageException(Kind.DIGEST_MISMATCH, what + " has digest " + actual + ", not " + expected);
            }
            Path p = path(actual);
            boolean written = Files.notExists(p, LinkOption.NOFOLLOW_LINKS);
            // the same blob fetched twice at once is the same bytes: either rename may win
            Files.move(temp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Stored(actual, p, total, written);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
