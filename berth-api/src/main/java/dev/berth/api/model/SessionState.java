package dev.berth.api.model;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Lifecycle of a session: {@code creating} (its sandbox is being made), {@code running} (sandbox
 * up), {@code stopped} (sandbox gone, workspace kept; any command resumes it) and {@code expired}
 * (workspace reclaimed; the session only answers {@code session_expired}).
 */
public enum SessionState {
    CREATING, RUNNING, STOPPED, EXPIRED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
