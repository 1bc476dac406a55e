package dev.berth.server.sessions;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Session and command identifiers. */
final class SessionIds {
    static final Pattern SESSION_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {}

    static boolean valid(String id) {
        return id != null && SESSION_ID.matcher(id).matches();
    }

    static String newSessionId() {
        return "s-" + random(10);
    }

    /**
     * A runtime session's agent process is command {@code agent-N-…} (its N-th start): told apart
     * from "c-" ids, and found again after a server restart. Command ids are unique server-wide.
     */
    static final String AGENT_PREFIX = "agent-";

    static String newAgentId(int n) {
        return AGENT_PREFIX + n + "-" + random(8);
    }

    static boolean isAgent(String commandId) {
        return commandId.startsWith(AGENT_PREFIX);
    }

    static String newCommandId() {
        return "c-" + random(12);
    }

    private static String random(int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
