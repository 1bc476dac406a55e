package dev.berth.server.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Gemini {@code generateContent} and {@code streamGenerateContent} ({@code ?alt=sse} events, or one
 * JSON array): {@code usageMetadata}, cumulative, so the last one counts. Its
 * {@code promptTokenCount} includes {@code cachedContentTokenCount}; thinking tokens are billed as
 * output.
 */
final class GeminiMeter extends UsageMeter {
    @Override
    void event(String name, String data) {
        if (model != null && !hasObject(data, "usageMetadata")) {
            return;
        }
        JsonNode n = parse(data);
        if (n != null) {
            body(n);
        }
    }

    @Override
    void body(JsonNode answer) {
        if (answer.isArray()) {
            answer.forEach(this::body);
            return;
        }
        model = text(answer, "modelVersion", model);
        JsonNode u = answer.path("usageMetadata");
        if (u.isObject()) {
            long cached = count(u, "cachedContentTokenCount", 0);
            cacheRead = cached;
            input = count(u, "promptTokenCount", 0) - cached;
            output = count(u, "candidatesTokenCount", 0) + count(u, "thoughtsTokenCount", 0);
        }
    }
}
