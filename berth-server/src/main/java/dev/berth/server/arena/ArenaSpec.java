package dev.berth.server.arena;

import java.math.BigDecimal;

/** An arena's request once checked, defaults filled in. */
record ArenaSpec(String task, String check, String from, int maxIterations, long timeoutSeconds, BigDecimal budgetUsd) {}
