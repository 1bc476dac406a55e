package dev.berth.sandbox.workspace;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps a few empty workspace images of the default size ready, so that making a session's file
 * system is a rename instead of a {@code mkfs} on the create path. Spares are refilled in the
 * background after each take and survive restarts (they are plain files in one directory).
 */
public final class SpareImages implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SpareImages.class.getName());

    private final Path dir;
    private final long bytes;
    private final int keep;
    private final AtomicBoolean refilling = new AtomicBoolean();
    private volatile Thread refiller;

    /**
     * @param dir where spares live (on the same file system as the sessions, so a take is a rename)
     * @param bytes the size spares are made for; other sizes are made on demand
     * @param keep how many to keep ready
     */
    public SpareImages(Path dir, long bytes, int keep) {
        this.dir = dir;
        this.bytes = bytes;
        this.keep = keep;
    }

    /** Puts an empty file system of {@code size} bytes at {@code image}: a spare if one fits, else a new one. */
    public void take(WorkspaceImage image, long size) throws IOException {
        if (size == bytes && keep > 0) {
            for (int i = 0; i < keep; i++) {
                Path spare = spare(i);
                try {
                    Files.createDirectories(image.image().getParent());
                    Files.move(spare, image.image(), StandardCopyOption.ATOMIC_MOVE);
                    refill();
                    return;
                } catch (NoSuchFileException | AtomicMoveNotSupportedException taken) {
                    // taken by a concurrent create, not made yet, or another file system: next
                }
            }
            refill();
        }
        image.create(size);
    }

    /** Makes the missing spares on a background thread; one refill at a time. */
    public void refill() {
        if (keep == 0 || !refilling.compareAndSet(false, true)) {
            return;
        }
        refiller = Thread.ofVirtual().name("berth-spare-images").start(() -> {
            try {
                Files.createDirectories(dir);
                for (int i = 0; i < keep; i++) {
                    Path spare = spare(i);
                    if (!Files.exists(spare)) {
                        // made under a temporary name: a crash mid-mkfs never leaves a half-made spare
                        Path making = dir.resolve("making-" + i + ".img");
                        new WorkspaceImage(making, dir.resolve("unused")).create(bytes);
                        Files.move(making, spare, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot make spare workspace images: " + e.getMessage());
            } finally {
                refilling.set(false);
            }
        });
    }

    /** Waits for a refill in progress, so that nothing writes into the data directory afterwards. */
    @Override
    public void close() {
        Thread t = refiller;
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path spare(int i) {
        return dir.resolve("spare-" + bytes + "-" + i + ".img");
    }
}
