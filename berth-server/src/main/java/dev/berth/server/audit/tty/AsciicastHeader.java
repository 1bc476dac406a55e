package dev.berth.server.audit.tty;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first line of an asciicast v2 recording. The file keeps {@code timestamp} in whole seconds
 * (as the format says); event times are measured from the exact {@code timestamp} given here.
 *
 * @param width          initial columns
 * @param height         initial rows
 * @param timestamp      when the recording (the command) started
 * @param command        what ran, for a person to read; null to leave out
 * @param title          null to leave out
 * @param idleTimeLimit  seconds a player should cap pauses at; null for none
 * @param env            captured variables, usually {@code TERM} and {@code SHELL}
 */
public record AsciicastHeader(int width, int height, Instant timestamp, String command, String title,
        Double idleTimeLimit, Map<String, String> env) {
    public static final int VERSION = 2;

    public AsciicastHeader {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a terminal has at least one row and column, not " + width + "x" + height);
        }
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** A recording's header without an idle limit. */
    public AsciicastHeader(int width, int height, Instant timestamp, String command, String title, Map<String, String> env) {
        this(width, height, timestamp, command, title, null, env);
    }

    /** The header as the format spells it, fields in the usual order. */
    Map<String, Object> toJson() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("version", VERSION);
        h.put("width", width);
        h.put("height", height);
        if (timestamp != null) {
            h.put("timestamp", timestamp.getEpochSecond());
        }
        if (command != null) {
            h.put("command", command);
        }
        if (title != null) {
            h.put("title", title);
        }
        if (idleTimeLimit != null) {
            h.put("idle_time_limit", idleTimeLimit);
        }
        if (!env.isEmpty()) {
            h.put("env", new java.util.TreeMap<>(env)); // sorted: the same header twice is the same line
        }
        return h;
    }

    static AsciicastHeader fromJson(JsonNode h) throws IOException {
        if (h == null || !h.isObject()) {
            throw new IOException("an asciicast starts with a JSON object header");
        }
        if (h.path("version").asInt(-1) != VERSION) {
            throw new IOException("not an asciicast v2 recording (version " + h.path("version") + ")");
        }
        if (!h.path("width").canConvertToInt() || !h.path("height").canConvertToInt()) {
            throw new IOException("an asciicast header needs integer width and height");
        }
        Map<String, String> env = new LinkedHashMap<>();
        h.path("env").properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                env.put(e.getKey(), e.getValue().asText());
            }
        });
        JsonNode ts = h.get("timestamp");
        JsonNode idle = h.get("idle_time_limit");
        try {
            return new AsciicastHeader(h.get("width").asInt(), h.get("height").asInt(),
                    ts != null && ts.isNumber() ? Instant.ofEpochSecond(ts.asLong()) : null,
                    text(h, "command"), text(h, "title"),
                    idle != null && idle.isNumber() ? idle.asDouble() : null, env);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad asciicast header: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode h, String field) {
        JsonNode v = h.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
