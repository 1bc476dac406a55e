package dev.berth.server.identity.oidc;

import java.util.Locale;
import java.util.Objects;

/**
 * A bearer token that must not be accepted, with a stable reason for logs, metrics and audit. The
 * message explains the reason but never repeats the token: it may be logged, and a token in a log
 * is a credential in a log.
 */
public final class TokenRejected extends Exception {
    /** Why a token was refused; {@link #code()} is the stable spelling. */
    public enum Reason {
        EXPIRED, NOT_YET_VALID, WRONG_ISSUER, WRONG_AUDIENCE, BAD_SIGNATURE, UNKNOWN_KEY, UNSIGNED, MALFORMED, MISSING_CLAIM;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public TokenRejected(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }

    /** A value taken from the token (an issuer, a key id), made safe to show: short and on one line. */
    static String quote(String value) {
        String flat = value.replaceAll("\\p{Cntrl}", "?");
        return "'" + (flat.length() <= 100 ? flat : flat.substring(0, 100) + "…") + "'";
    }

    /** No stack trace: rejections are routine (every expired token is one) and say all in their reason. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
