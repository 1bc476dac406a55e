package dev.berth.server.audit;

import java.time.Instant;

/**
 * Which events {@link AuditLog#query} returns; every criterion is optional (null matches all).
 *
 * @param session      exactly this session
 * @param principal    exactly this principal
 * @param actionPrefix actions starting with this, e.g. {@code command.} or {@code session.create}
 * @param since        events at or after this time
 * @param until        events before this time
 * @param limit        only the newest this many matches (still returned oldest first)
 * @param afterSeq     only events with a greater seq, for paging forward
 */
public record AuditQuery(String session, String principal, String actionPrefix, Instant since, Instant until,
        Integer limit, Long afterSeq) {
    public static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null, null);

    public AuditQuery {
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
    }

    public boolean matches(AuditEvent e) {
        return (session == null || session.equals(e.session()))
                && (principal == null || principal.equals(e.principal()))
                && (actionPrefix == null || e.action().startsWith(actionPrefix))
                && (since == null || !e.time().isBefore(since))
                && (until == null || e.time().isBefore(until))
                && (afterSeq == null || e.seq() > afterSeq);
    }

    public AuditQuery withSession(String s) {
        return new AuditQuery(s, principal, actionPrefix, since, until, limit, afterSeq);
    }

    public AuditQuery withPrincipal(String p) {
        return new AuditQuery(session, p, actionPrefix, since, until, limit, afterSeq);
    }

    public AuditQuery withActionPrefix(String prefix) {
        return new AuditQuery(session, principal, prefix, since, until, limit, afterSeq);
    }

    public AuditQuery withTimes(Instant from, Instant to) {
        return new AuditQuery(session, principal, actionPrefix, from, to, limit, afterSeq);
    }

    public AuditQuery withLimit(Integer newest) {
        return new AuditQuery(session, principal, actionPrefix, since, until, newest, afterSeq);
    }

    public AuditQuery withAfterSeq(Long seq) {
        return new AuditQuery(session, principal, actionPrefix, since, until, limit, seq);
    }
}
