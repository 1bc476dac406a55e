package dev.berth.server.gateway.model;

/**
 * An upstream model API the gateway forwards to, reached by sandboxes at {@code /model/NAME/…}.
 *
 * @param kind the wire format: {@code anthropic} (Messages), {@code openai} (Chat Completions) or {@code gemini}
 * @param upstream the API's base URL, e.g. {@code https://api.anthropic.com}
 * @param secret the name, in the secrets store, of the real API key the gateway swaps in
 */
public record ModelProvider(String kind, String upstream, String secret) {}
