package dev.berth.server.identity.oidc;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * What a verified caller may do, as the server's authorization will read it. Declared from most to
 * least privileged: a caller in several mapped groups gets the first of their roles in this order.
 * {@code auditor} ranks above {@code user} because an account put in an auditor group is meant to
 * be one (read everything, change nothing), not a plain user.
 */
public enum Role {
    ADMIN, OPERATOR, AUDITOR, USER;

    /** The name used in configuration and in {@link VerifiedToken#role()}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code id}; an unknown name is a configuration error. */
    public static Role of(String id) {
        for (Role r : values()) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + id + "' (roles: admin, operator, auditor, user)");
    }

    /** The most privileged role any of {@code groups} maps to, else {@link #USER}. */
    static Role forGroups(Map<String, Role> mapping, Collection<String> groups) {
        Role best = USER;
        for (String g : groups) {
            Role r = mapping.get(g);
            if (r != null && r.ordinal() < best.ordinal()) {
                best = r;
            }
        }
        return best;
    }
}
