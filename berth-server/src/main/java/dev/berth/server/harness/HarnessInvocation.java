package dev.berth.server.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.runtimes.harness.Turn;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What an invocation of a harness runtime asks: one turn. The payload is the prompt as text, or JSON
 * {@code {"prompt": "...", "model": "...", "continue": true}} ({@code continue}: carry on the
 * harness's own conversation in this session, as an arena's later turns do).
 */
public record HarnessInvocation(String prompt, String model, boolean resume) {
    public static HarnessInvocation parse(byte[] payload, String contentType) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "a harness's prompt must be UTF-8 text");
        }
        if (contentType != null && contentType.startsWith("application/json")) {
            JsonNode n;
            try {
                n = Json.mapper().readTree(text);
            } catch (IOException e) {
                throw new ApiException(ErrorCode.MALFORMED_JSON, "the invocation is not JSON: " + e.getMessage());
            }
            if (n == null || !n.path("prompt").isTextual() || n.path("prompt").asText().isBlank()) {
                throw new ApiException(ErrorCode.MISSING_FIELD, "prompt is required: {\"prompt\": \"...\"}");
            }
            String model = n.path("model").isTextual() && !n.path("model").asText().isBlank() ? n.path("model").asText() : null;
            return new HarnessInvocation(n.path("prompt").asText(), model, n.path("continue").asBoolean(false));
        }
        if (text.isBlank()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "the prompt is empty");
        }
        return new HarnessInvocation(text, null, false);
    }

    public Turn turn(String defaultModel, String command) {
        return new Turn(prompt, model != null ? model : defaultModel, resume ? 2 : 1, command);
    }
}
