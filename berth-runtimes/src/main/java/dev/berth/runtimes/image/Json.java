package dev.berth.runtimes.image;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading the JSON documents of an image, whose every malformation is the same refusal. */
final class Json {
    /**
     * Duplicate keys are refused: two parsers that pick different duplicates would see different
     * images under one digest.
     */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {}

    /** A JSON object, or INVALID_MANIFEST naming {@code what}. */
    static ObjectNode object(byte[] bytes, String what) throws ImageException {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            throw new ImageException(Kind.INVALID_MANIFEST, what + " is not valid JSON", e);
        }
        throw new ImageException(Kind.INVALID_MANIFEST, what + " is not a JSON object");
    }

    /** A text field, or null when absent or JSON null. */
    static String text(JsonNode node, String field) throws ImageException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "field " + field + " is not a string");
        }
        return v.asText();
    }

    /** A list of strings; empty when absent or JSON null. */
    static List<String> strings(JsonNode node, String field) throws ImageException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "field " + field + " is not a list");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new ImageException(Kind.INVALID_MANIFEST, "field " + field + " holds a non-string");
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    /** The elements of a list field; empty when absent. */
    static List<JsonNode> list(JsonNode node, String field) throws ImageException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "field " + field + " is not a list");
        }
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }
}
