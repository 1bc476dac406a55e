package dev.berth.api.model;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An arena: what was asked, how far each agent got, and the winner once it is over.
 *
 * @param state {@code running}, {@code finished}, {@code stopped} (asked to) or {@code interrupted} (the
 *     server stopped while it ran)
 * @param winner the passing agent with the fewest iterations (then the least wall time, then the lowest cost);
 *     null while running or if none passed
 */
public record ArenaInfo(String id, String owner, String state, Instant createdAt, Instant finishedAt, String task,
        String check, String from, int maxIterations, long timeoutSeconds, BigDecimal budgetUsd,
        List<ArenaAgentInfo> agents, String winner) {

    public ArenaInfo {
        agents = List.copyOf(agents);
    }

    public boolean over() {
        return !"running".equals(state);
    }
}
