package dev.berth.server.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.IOException;

/**
 * Reads one call's model and token counts from what its upstream answered: a JSON body at its end,
 * or server-sent events one by one as they pass. What it cannot read it leaves at zero: metering
 * never fails a call.
 */
abstract class UsageMeter {
    protected String model;
    protected long input;
    protected long output;
    protected long cacheRead;
    protected long cacheWrite;

    /** One server-sent event of a streamed answer. */
    abstract void event(String name, String data);

    /** A whole JSON answer. */
    abstract void body(JsonNode answer);

    final void body(byte[] bytes) {
        JsonNode n = parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        if (n != null) {
            body(n);
        }
    }

    /** The model the upstream named, or null. */
    String model() {
        return model;
    }

    TokenUsage usage() {
        return new TokenUsage(Math.max(0, input), output, cacheRead, cacheWrite);
    }

    static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether {@code json} has {@code "key":} followed by an object (a cheap look before parsing). */
    static boolean hasObject(String json, String key) {
        String quoted = "\"" + key + "\"";
        for (int i = json.indexOf(quoted); i >= 0; i = json.indexOf(quoted, i + 1)) {
            int j = i + quoted.length();
            while (j < json.length() && Character.isWhitespace(json.charAt(j))) {
                j++;
            }
            if (j < json.length() && json.charAt(j) == ':') {
                j++;
                while (j < json.length() && Character.isWhitespace(json.charAt(j))) {
                    j++;
                }
                if (j < json.length() && json.charAt(j) == '{') {
                    return true;
                }
            }
        }
        return false;
    }

    /** A count if the node has it, else {@code otherwise}. */
    static long count(JsonNode n, String field, long otherwise) {
        JsonNode v = n.path(field);
        return v.isNumber() ? v.asLong() : otherwise;
    }

    static String text(JsonNode n, String field, String otherwise) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : otherwise;
    }
}
