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
