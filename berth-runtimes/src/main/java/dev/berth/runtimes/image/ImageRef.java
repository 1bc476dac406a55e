package dev.berth.runtimes.image;

import java.nio.file.Path;

/**
 * Where an image comes from: a registry, an OCI image layout directory, or a {@code docker save}
 * archive. {@link #parse} reads the forms skopeo users know: {@code HOST[:PORT]/REPO[:TAG|@sha256:HEX]}
 * (optionally after {@code docker://}), {@code oci-layout:DIR[:TAG|@sha256:HEX]} and
 * {@code docker-archive:FILE}.
 */
public sealed interface ImageRef {
    String DOCKER_HUB = "registry-1.docker.io";

    /** The registry's {@code HOST[:PORT]}; null for an image read from local files. */
    String host();

    /** An image in a registry; {@code digest} pins it (and wins over the tag), else the tag names it. */
    record Registry(String host, String repository, String tag, Digest digest) implements ImageRef {
        /** What goes after {@code /manifests/}. */
        String reference() {
            return digest != null ? digest.toString() : tag;
        }

        @Override
        public String toString() {
            return host + "/" + repository + (digest != null ? "@" + digest : ":" + tag);
        }
    }

    /** An OCI image layout directory; the image is chosen by tag, digest, or being the only one. */
    record OciLayout(Path dir, String tag, Digest digest) implements ImageRef {
        @Override
        public String host() {
            return null;
        }

        @Override
        public String toString() {
            return "oci-layout:" + dir + (digest != null ? "@" + digest : tag != null ? ":" + tag : "");
        }
    }

    /** The output of {@code docker save}: a tar with {@code manifest.json} at its top. */
    record DockerArchive(Path file) implements ImageRef {
        @Override
        public String host() {
            return null;
        }

        @Override
        public String toString() {
            return "docker-archive:" + file;
        }
    }

    /** Parses a reference, refusing anything malformed with INVALID_REFERENCE. */
    static ImageRef parse(String text) throws ImageException {
        return RefParser.parse(text);
    }
}
