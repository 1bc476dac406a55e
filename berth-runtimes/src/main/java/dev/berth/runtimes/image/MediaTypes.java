package dev.berth.runtimes.image;

import java.util.Set;

/** The media types of the OCI image spec and of Docker's schema 2 that a pull meets. */
final class MediaTypes {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String OCI_LAYER_GZIP = OCI_LAYER + "+gzip";
    static final String OCI_LAYER_ZSTD = OCI_LAYER + "+zstd";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** What we ask a registry for: both index kinds and both manifest kinds, never schema 1. */
    static final String ACCEPT_MANIFESTS = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_LIST);
    static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    static final Set<String> CONFIGS = Set.of(OCI_CONFIG, DOCKER_CONFIG);
    /** Layers SafeUnpacker reads (it tells the compression by magic bytes, not by these names). */
    static final Set<String> LAYERS = Set.of(OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LAYER_GZIP,
            "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar.zstd");

    private MediaTypes() {}

    /**
     * Layers that registries are not allowed to serve (Windows base layers): they would have to be
     * fetched from elsewhere under someone else's licence, and no Linux runtime needs them.
     */
    static boolean isForeignLayer(String mediaType) {
        return mediaType != null && (mediaType.startsWith("application/vnd.docker.image.rootfs.foreign.")
                || mediaType.startsWith("application/vnd.oci.image.layer.nondistributable."));
    }

    /** A media type without parameters ({@code ; charset=...}), as a Content-Type header may carry them. */
    static String bare(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    }
}
