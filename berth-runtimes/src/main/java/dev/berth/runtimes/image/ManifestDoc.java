package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.util.ArrayList;
import java.util.List;

/** A manifest document: an index of per-platform manifests, or one image's manifest. */
sealed interface ManifestDoc {
    /** Larger manifests are refused before they are read (containerd's limit too). */
    long MAX_BYTES = 4 << 20;

    /** An OCI image index or Docker manifest list. */
    record Index(List<Descriptor> manifests) implements ManifestDoc {
        public Index {
            manifests = List.copyOf(manifests);
        }

        Descriptor select(Platform platform) throws ImageException {
            for (Descriptor d : manifests) {
                if (platform.runs(d.platform())) {
                    return d;
                }
            }
            List<String> offered = new ArrayList<>();
            for (Descriptor d : manifests) {
                if (d.platform() != null && !"unknown".equals(d.platform().os())) { // unknown/unknown: attestations
                    offered.add(d.platform().toString());
                }
            }
            throw new ImageException(Kind.PLATFORM_NOT_FOUND, "the image has no " + platform + " variant"
                    + (offered.isEmpty() ? "" : " (it has " + String.join(", ", offered) + ")"));
        }
    }

    /** One image: its config blob and its layers, lowest first. */
    record Manifest(Descriptor config, List<Descriptor> layers) implements ManifestDoc {
        public Manifest {
            layers = List.copyOf(layers);
        }

        /** What the pull will download, from the descriptors alone. */
        long totalSize() {
            long total = config.size();
            for (Descriptor l : layers) {
                total += l.size();
            }
            return total;
        }
    }

    /**
     * Parses a manifest or index; {@code contentType} (a registry's header, may be null) decides when
     * the document does not name its own media type, which OCI allows.
     */
    static ManifestDoc parse(byte[] bytes, String contentType) throws ImageException {
        ObjectNode doc = Json.object(bytes, "the manifest");
        JsonNode schema = doc.get("schemaVersion");
        if (schema != null && schema.asInt() == 1) {
            throw new ImageException(Kind.UNSUPPORTED, "Docker schema 1 manifests are not supported (push the image again"
                    + " with a current client)");
        }
        String type = Json.text(doc, "mediaType");
        if (type == null) {
            type = MediaTypes.bare(contentType);
        }
        if (type == null || !(MediaTypes.INDEXES.contains(type) || MediaTypes.MANIFESTS.contains(type))) {
            type = doc.has("manifests") ? MediaTypes.OCI_INDEX : doc.has("layers") ? MediaTypes.OCI_MANIFEST : type;
        }
        if (MediaTypes.INDEXES.contains(type)) {
            List<Descriptor> manifests = new ArrayList<>();
            for (JsonNode m : Json.list(doc, "manifests")) {
                manifests.add(Descriptor.parse(m));
            }
            return new Index(manifests);
        }
        if (!MediaTypes.MANIFESTS.contains(type)) {
            throw new ImageException(Kind.UNSUPPORTED, "a manifest of type " + type + " is not a container image");
        }
        Descriptor config = Descriptor.parse(doc.get("config"));
        if (config.mediaType() != null && !MediaTypes.CONFIGS.contains(config.mediaType())) {
            throw new ImageException(Kind.UNSUPPORTED, "an artifact of type " + config.mediaType()
                    + ", not a container image");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : Json.list(doc, "layers")) {
            Descriptor layer = Descriptor.parse(l);
            if (MediaTypes.isForeignLayer(layer.mediaType()) || layer.hasUrls()) {
                throw new ImageException(Kind.UNSUPPORTED, "layer " + layer.digest() + " is a foreign (non-distributable)"
                        + " layer, which is not supported");
            }
            if (!MediaTypes.LAYERS.contains(layer.mediaType())) {
                throw new ImageException(Kind.UNSUPPORTED, "layer " + layer.digest() + " has the unsupported type "
                        + layer.mediaType());
            }
            layers.add(layer);
        }
        return new Manifest(config, layers);
    }
}
