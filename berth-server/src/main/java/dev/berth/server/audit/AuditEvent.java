package dev.berth.server.audit;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable, attributed record: who ({@code principal}, how they proved it, from where), did
 * what ({@code action} on {@code resource}), in which session, when, and how it ended. The log
 * assigns {@code seq} and {@code time}; a draft handed to {@link AuditSink#record} leaves them 0
 * and null.
 *
 * @param seq        position in the log, from 1, without gaps
 * @param time       when the log accepted the event
 * @param principal  user name; {@code system} for what the server does on its own
 * @param authMethod {@code token}, {@code oidc}, {@code admin-token}, {@code system} or {@code none}
 * @param source     the client's address ({@code host:port}), null for the server itself
 * @param session    the session concerned, or null
 * @param resource   what was touched, typed: {@code session/ID}, {@code command/CID}, {@code tty/CID},
 *                   {@code runtime/NAME@V}, {@code token/ID}, {@code audit}
 * @param action     dotted verb: {@code session.create}, {@code command.exit}, {@code tty.attach}, …
 * @param outcome    {@code ok}, {@code denied}, or {@code error:CODE} with the API's stable code
 * @param details    action-specific facts (argv, cwd, exit, durationMs, bytes, …), JSON-ready values
 */
public record AuditEvent(long seq, Instant time, String principal, String authMethod, String source,
        String session, String resource, String action, String outcome, Map<String, Object> details) {

    public AuditEvent {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** A draft for {@link AuditSink#record}: the log fills in {@code seq} and {@code time}. */
    public static AuditEvent draft(String principal, String authMethod, String source, String session,
            String resource, String action, String outcome, Map<String, Object> details) {
        return new AuditEvent(0, null, principal, authMethod, source, session, resource, action, outcome, details);
    }

    public AuditEvent withDetails(Map<String, Object> newDetails) {
        return new AuditEvent(seq, time, principal, authMethod, source, session, resource, action, outcome, newDetails);
    }

    AuditEvent sealed(long newSeq, Instant newTime) {
        return new AuditEvent(newSeq, newTime, principal, authMethod, source, session, resource, action, outcome, details);
    }
}
