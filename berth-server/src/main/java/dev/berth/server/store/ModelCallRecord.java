package dev.berth.server.store;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One model call the gateway forwarded, as metered from the upstream's own usage fields.
 *
 * @param owner the session's owner (who may see the call in usage reports)
 * @param agent the runtime's name or the agent's own {@code X-Berth-Agent}; null if neither
 * @param model as the upstream reported it (null if it did not)
 * @param inputTokens input tokens neither read from nor written to a prompt cache
 * @param costUsd exact, from the price table when the call ended
 * @param status the upstream's HTTP status (0 when it gave none)
 */
public record ModelCallRecord(Instant at, String sessionId, String owner, String agent, String provider, String model,
        long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens, long latencyMs,
        BigDecimal costUsd, int status) {

    public long totalTokens() {
        return inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens;
    }
}
