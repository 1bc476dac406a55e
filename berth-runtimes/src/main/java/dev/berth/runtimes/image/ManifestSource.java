package dev.berth.runtimes.image;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image is read from, registry-style: a root manifest (or index) and then manifests and
 * blobs by descriptor. A source only delivers bytes; {@link Puller} verifies all of them.
 */
interface ManifestSource {
    /** A manifest or index as read, with the digest of exactly these bytes. */
    record Document(byte[] bytes, String mediaType, Digest digest) {}

    /**
     * The manifest or index the reference names; when the reference pins a digest, the source has
     * checked the bytes against it.
     */
    Document root() throws ImageException, IOException;

    /** The content a descriptor names: a manifest from an index, or a config or layer blob. */
    InputStream open(Descriptor descriptor, boolean manifest) throws ImageException, IOException;

    /** How the source names itself in messages. */
    String name();
}
