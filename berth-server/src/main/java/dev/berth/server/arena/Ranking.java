package dev.berth.server.arena;

import dev.berth.api.model.ArenaAgentInfo;
import java.util.Comparator;
import java.util.List;

/** Who won: of those that passed, the fewest iterations, then the least wall time, then the lowest cost. */
final class Ranking {
    static final Comparator<ArenaAgentInfo> ORDER = Comparator.comparingInt(ArenaAgentInfo::iterations)
            .thenComparingLong(ArenaAgentInfo::wallMs)
            .thenComparing(ArenaAgentInfo::costUsd)
            .thenComparing(ArenaAgentInfo::name);

    private Ranking() {}

    static String winner(List<ArenaAgentInfo> agents) {
        return agents.stream().filter(ArenaAgentInfo::passed).min(ORDER).map(ArenaAgentInfo::name).orElse(null);
    }
}
