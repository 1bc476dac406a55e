package dev.berth.api.model;

import java.math.BigDecimal;

/**
 * One agent of an arena.
 *
 * @param runtime the harness runtime its session runs, {@code NAME@VERSION}
 * @param session its session (a fork of the arena's source), kept afterwards for inspection and export
 * @param state {@code starting}, {@code turn} (its harness runs), {@code checking}, then one of {@code passed},
 *     {@code failed} (no pass within its iterations), {@code crashed} (its harness died or the session went),
 *     {@code timed_out}, {@code over_budget}, {@code stopped}, {@code interrupted}
 * @param iterations turns it has had (the one running included)
 * @param wallMs from its first turn to its end (so far, while it runs)
 * @param modelCalls its calls through the model gateway, metered there, as are the tokens and the cost
 * @param linesAdded lines its workspace gained against the source (null when unknown: no git in its runtime)
 * @param detail why it ended as it did, when that needs saying
 */
public record ArenaAgentInfo(String name, String harness, String model, String runtime, String session, String state,
        boolean passed, int iterations, long wallMs, long modelCalls, long inputTokens, long outputTokens,
        BigDecimal costUsd, Integer linesAdded, Integer linesRemoved, String detail) {

    public boolean over() {
        return switch (state) {
            case "starting", "turn", "checking" -> false;
            default -> true;
        };
    }
}
