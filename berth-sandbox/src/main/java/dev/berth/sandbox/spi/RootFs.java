package dev.berth.sandbox.spi;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a sandbox's {@code /} is made of.
 *
 * <ul>
 *   <li>{@link #host()}: an empty root holding the host's system directories read-only (a plain session).
 *   <li>{@link #image}: a runtime's root filesystem, shared read-only by all its sessions, under this
 *       sandbox's own writable layer; nothing of the host's.
 *   <li>{@link #imageOnHost}: the same, with the host's system directories laid read-only over it
 *       (a zip runtime: the project's files, run by the host's Python or Node.js).
 * </ul>
 *
 * @param image the shared tree, owned by the sandbox's mapped ids; never written
 * @param writable host directory holding this sandbox's changes to the image (kept until the session is removed)
 * @param hostSystem whether the host's system directories are bound over it
 */
public record RootFs(Path image, Path writable, boolean hostSystem) {
    private static final RootFs HOST = new RootFs(null, null, true);

    public RootFs {
        if ((image == null) != (writable == null)) {
            throw new IllegalArgumentException("an image root needs both the image and a writable layer");
        }
    }

    public static RootFs host() {
        return HOST;
    }

    public static RootFs image(Path image, Path writable) {
        return new RootFs(image, writable, false);
    }

    public static RootFs imageOnHost(Path image, Path writable) {
        return new RootFs(image, writable, true);
    }

    public Optional<Path> imageDir() {
        return Optional.ofNullable(image);
    }
}
