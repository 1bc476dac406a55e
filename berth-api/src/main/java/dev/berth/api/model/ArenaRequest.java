package dev.berth.api.model;

import java.math.BigDecimal;
import java.util.List;

/**
 * {@code POST /v1/arenas}: N agents on one task, each in its own fork of one workspace.
 *
 * @param task what every agent is asked (the text of TASK.md)
 * @param check the shell command, run in each agent's session after each of its turns, whose exit code 0
 *     means the agent is done
 * @param from the session whose workspace every agent starts from (it is forked, never changed)
 * @param agents who competes: at least one, names unique
 * @param maxIterations turns an agent gets before it has failed (default 5)
 * @param timeoutSeconds wall time each agent gets (default 1800)
 * @param budgetUsd model spending each agent gets; absent, no limit
 */
public record ArenaRequest(String task, String check, String from, List<ArenaAgent> agents, Integer maxIterations,
        Long timeoutSeconds, BigDecimal budgetUsd) {

    /**
     * @param name what the agent is called in the results (and in its session's id)
     * @param harness a runtime deployed with {@code --harness}, or a harness name (its newest such runtime)
     * @param model the model its turns use; absent, the runtime's
     */
    public record ArenaAgent(String name, String harness, String model) {}
}
