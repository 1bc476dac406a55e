package dev.berth.api.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** running, exited, or lost (its sandbox went away before an exit status was recorded). */
public enum CommandState {
    RUNNING, EXITED, LOST;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
