package dev.berth.api.model;

import java.math.BigDecimal;

/**
 * Model calls added up: per session, agent, provider and model in a report's lines; the keys are
 * null in its total.
 *
 * @param agent the runtime's name, or what the agent named itself ({@code X-Berth-Agent}); null if neither
 * @param inputTokens input tokens not served from or written to a prompt cache
 * @param costUsd exact, from the gateway's price table (0 for a model it has no price for)
 */
public record UsageLine(String session, String agent, String provider, String model, long calls, long inputTokens,
        long outputTokens, long cacheReadTokens, long cacheWriteTokens, BigDecimal costUsd) {

    public long totalTokens() {
        return inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens;
    }
}
