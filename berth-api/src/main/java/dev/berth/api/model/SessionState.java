package dev.berth.api.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** Lifecycle of a session: running (sandbox up), stopped (sandbox gone, workspace kept). */
public enum SessionState {
    RUNNING, STOPPED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
