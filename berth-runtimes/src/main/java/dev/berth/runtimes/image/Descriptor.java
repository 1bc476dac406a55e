package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a manifest or index says about a blob: its type, digest and exact size (OCI's
 * "content descriptor"); the platform only in an index, the annotations when there are any.
 */
record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations,
        boolean hasUrls) {
    Descriptor {
        annotations = Map.copyOf(annotations);
    }

    static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, Map.of(), false);
    }

    static Descriptor parse(JsonNode node) throws ImageException {
        if (node == null || !node.isObject()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "a descriptor is not a JSON object");
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToExactIntegral() || size.asLong() < 0) {
            throw new ImageException(Kind.INVALID_MANIFEST, "a descriptor without a valid size");
        }
        Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            String os = Json.text(p, "os");
            String arch = Json.text(p, "architecture");
            if (os != null && arch != null) {
                platform = new Platform(os, arch, Json.text(p, "variant"));
            }
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        JsonNode a = node.get("annotations");
        if (a != null && a.isObject()) {
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                if (e.getValue().isTextual()) {
                    annotations.put(e.getKey(), e.getValue().asText());
                }
            }
        }
        JsonNode urls = node.get("urls");
        return new Descriptor(Json.text(node, "mediaType"), Digest.parse(Json.text(node, "digest")), size.asLong(),
                platform, annotations, urls != null && urls.isArray() && !urls.isEmpty());
    }
}
