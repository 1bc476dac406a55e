package dev.berth.api.model;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/usage}: the caller's sessions' model calls since {@code since} (null: all), the
 * grand total, and the budgets of the sessions reported.
 */
public record UsageReport(Instant since, List<UsageLine> lines, UsageLine total, List<SessionBudget> budgets) {}
