package dev.berth.server.gateway.model;

/**
 * The tokens of one model call, as its upstream counted them, in one form for every provider.
 *
 * @param input input tokens neither read from nor written to a prompt cache
 * @param cacheRead input tokens served from the prompt cache
 * @param cacheWrite input tokens written to the prompt cache
 */
public record TokenUsage(long input, long output, long cacheRead, long cacheWrite) {
    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);

    public long total() {
        return input + output + cacheRead + cacheWrite;
    }
}
