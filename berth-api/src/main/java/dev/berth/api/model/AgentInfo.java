package dev.berth.api.model;

import java.time.Instant;

/**
 * The health of a runtime session's agent, from its {@code GET /ping}.
 *
 * @param status {@code starting}, {@code healthy}, {@code busy} (it said HealthyBusy, or an
 *     invocation is in flight), {@code unhealthy} (it stopped answering), {@code restarting},
 *     {@code exited} (not restarted: the policy says no), or {@code stopped} (the session is)
 * @param restarts how often it was restarted since the session (re)started
 * @param commandId the agent process, as a command of the session (its output is that command's)
 * @param lastHealthyAt when it last answered Healthy or HealthyBusy
 * @param detail why it is unhealthy or exited, if it is
 */
public record AgentInfo(String status, int restarts, String commandId, Instant lastHealthyAt, String detail) {}
