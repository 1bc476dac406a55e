package dev.berth.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a principal may do. {@code admin}: everything; {@code operator}: runtimes and every
 * session; {@code user}: their own sessions and those shared with them, made from the runtimes
 * they are allowed; {@code auditor}: the audit trail and session logs, read only.
 */
public enum Role {
    ADMIN, OPERATOR, USER, AUDITOR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code s} (any case); null if there is none. */
    @JsonCreator
    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.wire().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return r;
            }
        }
        return null;
    }

    /** Sees and uses every session, whoever owns it. */
    public boolean allSessions() {
        return this == ADMIN || this == OPERATOR;
    }
}
