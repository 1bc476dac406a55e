package dev.berth.runtimes.image;

import dev.berth.runtimes.image.TestImage.Blob;
import dev.berth.runtimes.image.TestImage.Image;
import dev.berth.runtimes.testing.RegistryUpload;
import dev.berth.runtimes.testing.TestRegistry;
import java.io.IOException;

/**
 * Pushes test images with the distribution API's monolithic upload: {@code POST .../blobs/uploads/}
 * then {@code PUT <location>&digest=...}, and {@code PUT .../manifests/<ref>}.
 */
final class RegistryPusher implements AutoCloseable {
    private final RegistryUpload upload;

    /** {@code authorization} is sent with every request (null for an open registry). */
    RegistryPusher(TestRegistry registry, String authorization) {
        this.upload = new RegistryUpload(registry, authorization);
    }

    void push(String repo, String tag, Image image) throws IOException, InterruptedException {
        pushBlobs(repo, image);
        pushManifest(repo, tag, image.manifest());
    }

    void pushBlobs(String repo, Image image) throws IOException, InterruptedException {
        for (Blob l : image.layers()) {
            pushBlob(repo, l);
        }
        pushBlob(repo, image.config());
    }

    void pushBlob(String repo, Blob blob) throws IOException, InterruptedException {
        upload.blob(repo, blob.digest().toString(), blob.bytes());
    }

    /** A manifest or index under a tag or its digest. */
    void pushManifest(String repo, String reference, Blob manifest) throws IOException, InterruptedException {
        upload.manifest(repo, reference, manifest.mediaType(), manifest.bytes());
    }

    @Override
    public void close() {
        upload.close();
    }
}
