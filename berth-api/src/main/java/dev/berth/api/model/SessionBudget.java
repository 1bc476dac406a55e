package dev.berth.api.model;

import java.math.BigDecimal;

/**
 * A session's budget and what its model calls have spent so far (all time, whatever a usage
 * report's {@code since}). Once either spent amount reaches its limit, further calls are refused
 * with {@code budget_exhausted}; a call already under way finishes.
 *
 * @param tokens the token limit, null for none
 * @param usd the cost limit in US dollars, null for none
 */
public record SessionBudget(String session, Long tokens, BigDecimal usd, long spentTokens, BigDecimal spentUsd,
        boolean exhausted) {}
