package dev.berth.server.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI Chat Completions ({@code usage.prompt_tokens}, {@code completion_tokens},
 * {@code prompt_tokens_details.cached_tokens}; streamed, in the last chunk when
 * {@code stream_options.include_usage} is on) and the Responses API ({@code usage.input_tokens},
 * {@code output_tokens}, {@code input_tokens_details.cached_tokens}; streamed, in
 * {@code response.completed}). Prompt tokens include the cached ones: they are told apart here.
 * A chunk is parsed only while the model is unknown or when it carries a usage object.
 */
final class OpenAiMeter extends UsageMeter {
    @Override
    void event(String name, String data) {
        if (data.startsWith("[DONE]") || model != null && !hasObject(data, "usage")) {
            return;
        }
        JsonNode n = parse(data);
        if (n != null) {
            body(n.has("response") ? n.path("response") : n);
        }
    }

    @Override
    void body(JsonNode answer) {
        model = text(answer, "model", model);
        JsonNode u = answer.path("usage");
        if (!u.isObject()) {
            return;
        }
        if (u.has("prompt_tokens")) {
            long cached = count(u.path("prompt_tokens_details"), "cached_tokens", 0);
            cacheRead = cached;
            input = count(u, "prompt_tokens", 0) - cached;
            output = count(u, "completion_tokens", 0);
        } else {
            long cached = count(u.path("input_tokens_details"), "cached_tokens", 0);
            cacheRead = cached;
            input = count(u, "input_tokens", 0) - cached;
            output = count(u, "output_tokens", 0);
        }
    }

    /** The usage-only last chunk of a stream that asked for {@code include_usage}: no choices, a usage object. */
    static boolean usageOnly(String data) {
        if (!hasObject(data, "usage")) {
            return false;
        }
        JsonNode n = parse(data);
        return n != null && n.path("choices").isArray() && n.path("choices").isEmpty() && n.path("usage").isObject();
    }
}
