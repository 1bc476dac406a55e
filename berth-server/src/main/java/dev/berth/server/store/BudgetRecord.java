package dev.berth.server.store;

import java.math.BigDecimal;

/** A session's model budget: null for no limit of that kind. */
public record BudgetRecord(String sessionId, Long tokens, BigDecimal usd) {}
