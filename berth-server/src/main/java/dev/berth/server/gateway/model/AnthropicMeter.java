package dev.berth.server.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Anthropic Messages: {@code usage} of the answer; streamed, {@code message_start.message.usage}
 * (input and cache tokens) then {@code message_delta.usage} (the final output tokens, and, from
 * newer API versions, cumulative input counts too). Its {@code input_tokens} already exclude cache
 * reads and writes. Deltas of content are not parsed at all.
 */
final class AnthropicMeter extends UsageMeter {
    @Override
    void event(String name, String data) {
        if ("message_start".equals(name)) {
            JsonNode n = parse(data);
            if (n != null) {
                body(n.path("message"));
            }
        } else if ("message_delta".equals(name)) {
            JsonNode n = parse(data);
            if (n != null) {
                take(n.path("usage"));
            }
        }
    }

    @Override
    void body(JsonNode answer) {
        model = text(answer, "model", model);
        take(answer.path("usage"));
    }

    private void take(JsonNode u) {
        input = count(u, "input_tokens", input);
        output = count(u, "output_tokens", output);
        cacheRead = count(u, "cache_read_input_tokens", cacheRead);
        cacheWrite = count(u, "cache_creation_input_tokens", cacheWrite);
    }
}
