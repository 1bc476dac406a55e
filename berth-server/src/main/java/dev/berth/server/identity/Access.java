package dev.berth.server.identity;

/** What a route asks of its caller; {@link Authorizer} decides. */
public enum Access {
    /** No credentials at all (signing in): the route sees {@link Principal#ANONYMOUS}. */
    NONE,
    /** Any authenticated principal. */
    ANY,
    /** Lists or creates sessions (what is listed is filtered per principal): not auditors. */
    SESSIONS,
    /** Uses session {@code {id}}: its owner, whom it is shared with, operators, admins. */
    SESSION,
    /** Reads session {@code {id}}'s log: who may use it, and auditors. */
    SESSION_LOG,
    /** Changes whom session {@code {id}} is shared with: its owner, operators, admins. */
    SESSION_SHARE,
    /** Lists and shows runtimes (users see the ones they may run). */
    RUNTIMES,
    /** Deploys and removes runtimes: operators and admins. */
    RUNTIME_ADMIN,
    /** Invokes runtime {@code {name}} in the session its header names (made for the caller if new). */
    INVOKE,
    /** Reads the audit trail: auditors and admins. */
    AUDIT,
    /** Manages tokens: admins. */
    ADMIN
}
