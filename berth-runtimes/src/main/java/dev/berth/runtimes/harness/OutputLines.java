package dev.berth.runtimes.harness;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What every parser does to a line of a harness's output before reading it: a harness's stdout is
 * untrusted (the model writes much of it), so nothing here throws, and what reaches a step is clipped
 * to a length a person can read.
 */
final class OutputLines {
    /** What a step's text is clipped to. */
    static final int MAX_TEXT = 2000;
    /** Lines longer than this are not parsed as JSON at all (a runaway tool output, not an event). */
    static final int MAX_JSON_LINE = 4_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ANSI = Pattern.compile("\u001b(?:\\[[0-?]*[ -/]*[@-~]|\\][^\u0007\u001b]*(?:\u0007|\u001b\\\\)?)");
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\n\t]]");

    private OutputLines() {}

    /** The line as a JSON object, or null when it is anything else (not JSON, truncated, an array, too long). */
    static JsonNode object(String line) {
        if (line == null || line.length() > MAX_JSON_LINE) {
            return null;
        }
        String s = line.strip();
        if (!s.startsWith("{")) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(s);
            return n != null && n.isObject() ? n : null;
        } catch (JacksonException | RuntimeException e) {
            return null;
        }
    }

    /** Terminal escapes and control characters removed, trimmed, clipped; null when nothing is left. */
    static String text(String s) {
        if (s == null) {
            return null;
        }
        String head = s.length() > MAX_TEXT * 4 ? s.substring(0, MAX_TEXT * 4) : s;
        String clean = CONTROL.matcher(ANSI.matcher(head).replaceAll("")).replaceAll("").strip();
        if (clean.isEmpty()) {
            return null;
        }
        // MAX_TEXT + 1 lets a text clipped once (MAX_TEXT and the ellipsis) pass through again unchanged
        if (clean.length() > MAX_TEXT + 1 || head.length() < s.length()) {
            int cut = Math.min(clean.length(), MAX_TEXT);
            if (Character.isHighSurrogate(clean.charAt(cut - 1))) {
                cut--;
            }
            return clean.substring(0, cut) + "…";
        }
        return clean;
    }

    /** A JSON value as a step's text: strings as they are, anything else as compact JSON. */
    static String text(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        return text(n.isValueNode() ? n.asText() : n.toString());
    }

    /** A non-blank line that is not an event the parser knows is still something the harness said. */
    static List<Step> plain(String line) {
        String t = text(line);
        return t == null ? List.of() : List.of(message(t));
    }

    static String str(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : null;
    }

    static Integer integer(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToInt() ? n.intValue() : null;
    }

    static Step message(String text) {
        return new Step(Step.Kind.MESSAGE, text, null, null);
    }

    /** A step with text, or none when the text is empty (a RESULT is kept: that the turn ended is news). */
    static void add(List<Step> steps, Step.Kind kind, String text, String tool) {
        Step s = of(kind, text, tool, null);
        if (s.text() != null || kind == Step.Kind.RESULT) {
            steps.add(s);
        }
    }

    static Step of(Step.Kind kind, String text, String tool, Integer exitCode) {
        return new Step(kind, text(text), tool == null ? null : text(tool), exitCode);
    }
}
