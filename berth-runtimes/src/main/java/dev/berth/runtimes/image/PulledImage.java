package dev.berth.runtimes.image;

import java.nio.file.Path;
import java.util.List;

/**
 * An image whose manifest, config and layers are all in a {@link BlobStore}, verified.
 *
 * @param manifestDigest the image manifest's digest (for a docker archive, of the OCI manifest it
 *     would have); the manifest itself is in the store too
 * @param layers blob paths, lowest layer first, as {@code SafeUnpacker.unpackLayers} takes them
 * @param compressedBytes the config and layers as stored (what a pull without any reuse moves)
 * @param downloadedBytes what this fetch newly wrote to the store: 0 when every blob was already there
 */
public record PulledImage(Digest manifestDigest, ImageConfig config, List<Path> layers, long compressedBytes,
        long downloadedBytes) {
    public PulledImage {
        layers = List.copyOf(layers);
    }
}
