package dev.berth.server.identity;

import dev.berth.api.model.Role;
import dev.berth.server.store.SessionRecord;
import java.util.List;

/**
 * Who is calling, as proven by their bearer token.
 *
 * @param authMethod {@code admin-token}, {@code token}, {@code oidc} or {@code system}
 * @param credential which credential proved it (a token id, the OIDC subject), never a secret
 * @param runtimes the runtimes this principal may make sessions from; null: any
 */
public record Principal(String user, List<String> groups, Role role, String authMethod, String credential,
        List<String> runtimes) {

    /** The server acting on its own (idle stops, agent restarts). */
    public static final Principal SYSTEM = new Principal("system", List.of(), Role.ADMIN, "system", null, null);

    /** The caller of a route that needs no credentials ({@link Access#NONE}); allowed nothing else. */
    public static final Principal ANONYMOUS = new Principal("anonymous", List.of(), Role.USER, "none", null, List.of());

    public Principal {
        groups = List.copyOf(groups);
        runtimes = runtimes == null ? null : List.copyOf(runtimes);
    }

    /** May run commands, ttys and invocations in {@code s}, stop it or delete it. */
    public boolean mayUse(SessionRecord s) {
        if (role.allSessions() || s.owner().equals(user) && role == Role.USER) {
            return true;
        }
        if (role != Role.USER) {
            return false; // auditors read logs only
        }
        return s.sharedWith().contains("user:" + user) || groups.stream().anyMatch(g -> s.sharedWith().contains("group:" + g));
    }

    /** May read the session's log: its users, and auditors. */
    public boolean mayRead(SessionRecord s) {
        return role == Role.AUDITOR || mayUse(s);
    }

    /** May change whom {@code s} is shared with. */
    public boolean mayShare(SessionRecord s) {
        return role.allSessions() || role == Role.USER && s.owner().equals(user);
    }

    /** May make sessions of, and invoke, the runtime {@code name}. */
    public boolean mayRun(String runtimeName) {
        return role.allSessions() || role == Role.USER && (runtimes == null || runtimes.contains(runtimeName));
    }
}
