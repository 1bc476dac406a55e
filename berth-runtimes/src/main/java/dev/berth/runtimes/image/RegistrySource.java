package dev.berth.runtimes.image;

import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/** An image in a registry, by the distribution spec's {@code /v2/REPO/manifests/} and {@code /blobs/}. */
final class RegistrySource implements ManifestSource {
    private final ImageRef.Registry ref;
    private final RegistryClient client;

    RegistrySource(ImageRef.Registry ref, RegistryClient client) {
        this.ref = ref;
        this.client = client;
    }

    @Override
    public String name() {
        return ref.toString();
    }

    @Override
    public Document root() throws ImageException, IOException {
        HttpResponse<InputStream> r = client.get("manifests/" + ref.reference(), MediaTypes.ACCEPT_MANIFESTS,
                "manifest " + ref.reference());
        byte[] bytes;
        try (InputStream in = r.body()) {
            if (r.headers().firstValueAsLong("Content-Length").orElse(0) > ManifestDoc.MAX_BYTES) {
                throw tooLarge();
            }
            bytes = Puller.readUpTo(in, ManifestDoc.MAX_BYTES + 1, "the manifest of " + name());
        }
        if (bytes.length > ManifestDoc.MAX_BYTES) {
            throw tooLarge();
        }
        Digest actual = Digest.of(bytes);
        if (ref.digest() != null && !ref.digest().equals(actual)) {
            throw new ImageException(Kind.DIGEST_MISMATCH, name() + ": the registry sent a manifest with digest " + actual);
        }
        String claimed = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (claimed != null && claimed.startsWith("sha256:") && !claimed.equals(actual.toString())) {
            throw new ImageException(Kind.DIGEST_MISMATCH, name() + ": the manifest's digest is " + actual
                    + ", the registry says " + claimed);
        }
        return new Document(bytes, r.headers().firstValue("Content-Type").orElse(null), actual);
    }

    private ImageException tooLarge() {
        return new ImageException(Kind.TOO_LARGE, name() + ": the manifest is larger than " + ManifestDoc.MAX_BYTES
                + " bytes");
    }

    @Override
    public InputStream open(Descriptor d, boolean manifest) throws ImageException, IOException {
        String accept = manifest ? (d.mediaType() != null ? d.mediaType() : MediaTypes.ACCEPT_MANIFESTS) : null;
        return client.get((manifest ? "manifests/" : "blobs/") + d.digest(), accept,
                (manifest ? "manifest " : "blob ") + d.digest()).body();
    }
}
