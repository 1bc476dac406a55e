package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}), as
 * {@code skopeo copy ... oci:DIR} or {@code buildx --output type=oci} write it. Blobs are read only
 * from inside the directory: one that is a link out of it is refused (it could name any host file).
 */
final class OciLayoutSource implements ManifestSource {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final ImageRef.OciLayout ref;
    private final Path dir;

    OciLayoutSource(ImageRef.OciLayout ref) throws ImageException, IOException {
        this.ref = ref;
        if (!Files.isDirectory(ref.dir())) {
            throw new ImageException(Kind.NOT_FOUND, ref + ": no such directory");
        }
        this.dir = ref.dir().toRealPath();
        if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
            throw new ImageException(Kind.NOT_FOUND, ref + ": not an OCI image layout (no oci-layout file)");
        }
    }

    @Override
    public String name() {
        return ref.toString();
    }

    @Override
    public Document root() throws ImageException, IOException {
        byte[] indexJson = read(dir.resolve("index.json"), "index.json");
        return Puller.manifest(this, choose(indexJson));
    }

    /** The index.json entry the reference names: by digest, by tag, or the only one. */
    private Descriptor choose(byte[] indexJson) throws ImageException {
        ObjectNode index = Json.object(indexJson, name() + ": index.json");
        List<Descriptor> entries = new ArrayList<>();
        for (var m : Json.list(index, "manifests")) {
            entries.add(Descriptor.parse(m));
        }
        if (ref.digest() != null) {
            return entries.stream().filter(d -> d.digest().equals(ref.digest())).findFirst()
                    .orElseThrow(() -> new ImageException(Kind.NOT_FOUND, name() + ": index.json lists no " + ref.digest()));
        }
        if (ref.tag() != null) {
            return entries.stream().filter(d -> ref.tag().equals(d.annotations().get(REF_NAME))).findFirst()
                    .orElseThrow(() -> new ImageException(Kind.NOT_FOUND, name() + ": no image tagged " + ref.tag()));
        }
        if (entries.size() != 1) {
            throw new ImageException(Kind.INVALID_REFERENCE, name() + " holds " + entries.size()
                    + " images: name one by :TAG or @sha256:DIGEST");
        }
        return entries.getFirst();
    }

    @Override
    public InputStream open(Descriptor d, boolean manifest) throws ImageException, IOException {
        Path blob = dir.resolve("blobs").resolve("sha256").resolve(d.digest().hex());
        try {
            if (!blob.toRealPath().startsWith(dir)) {
                throw new ImageException(Kind.UNSUPPORTED, name() + ": blob " + d.digest() + " links out of the layout");
            }
            return Files.newInputStream(blob, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new ImageException(Kind.NOT_FOUND, name() + ": blob " + d.digest() + " is missing");
        }
    }

    private byte[] read(Path file, String what) throws ImageException, IOException {
        try {
            if (Files.size(file) > ManifestDoc.MAX_BYTES) {
                throw new ImageException(Kind.TOO_LARGE, name() + ": " + what + " is larger than "
                        + ManifestDoc.MAX_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageException(Kind.NOT_FOUND, name() + ": " + what + " is missing");
        }
    }
}
