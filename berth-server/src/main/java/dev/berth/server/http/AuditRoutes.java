package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditLog;
import dev.berth.server.audit.AuditQuery;
import dev.berth.server.audit.tty.TtyRecordings;
import dev.berth.server.identity.Access;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/** {@code /v1/audit…}: query and follow the audit trail, verify its chain, replay recorded ttys (auditors, admins). */
public final class AuditRoutes {
    private static final int MAX_LIMIT = 100_000;

    private final AuditLog log;
    private final TtyRecordings ttys;
    private final Duration heartbeat;
    private final Followers followers;

    public AuditRoutes(AuditLog log, TtyRecordings ttys, Duration heartbeat, Followers followers) {
        this.followers = followers;
        this.log = log;
        this.ttys = ttys;
        this.heartbeat = heartbeat;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/audit", Access.AUDIT, this::query),
                Route.of("POST", "/v1/audit/verify", Access.AUDIT, x -> {
                    log.flush(); // what was recorded before the call is checked too
                    var report = log.verify();
                    x.audit("ok", report.ok()).audit("events", report.eventsChecked());
                    x.json(200, report);
                }).audited("audit.verify"),
                Route.of("GET", "/v1/audit/ttys/{cid}", Access.AUDIT, this::replay).audited("audit.replay"));
    }

    /** {@code ?session=&user=&action=&since=&until=&limit=&after=}; with {@code follow=true} a live NDJSON stream. */
    static AuditQuery queryOf(Exchange x) {
        Integer limit = null;
        if (x.query("limit") != null) {
            limit = (int) number(x.query("limit"), "limit", 0, MAX_LIMIT);
        }
        Long after = x.query("after") == null ? null : number(x.query("after"), "after", 0, Long.MAX_VALUE);
        return new AuditQuery(blankToNull(x.query("session")), blankToNull(x.query("user")), blankToNull(x.query("action")),
                instant(x.query("since"), "since"), instant(x.query("until"), "until"), limit, after);
    }

    private void query(Exchange x) throws Exception {
        AuditQuery q = queryOf(x);
        if (!"true".equals(x.query("follow"))) {
            x.json(200, log.query(q));
            return;
        }
        NdJsonLines out = new NdJsonLines(x.response);
        followers.run(() -> follow(q, out, heartbeat, log, e -> e, e -> {}));
    }

    /**
     * Streams matching events: the backlog first, then each new one as it becomes durable, with a
     * heartbeat line while nothing happens (so a client that went away is noticed). Runs until the
     * client leaves.
     */
    static void follow(AuditQuery q, NdJsonLines out, Duration heartbeat, AuditLog log,
            java.util.function.Function<AuditEvent, Object> render, java.util.function.Consumer<AuditEvent> afterWrite)
            throws Exception {
        BlockingQueue<AuditEvent> events = new LinkedBlockingQueue<>();
        long after = q.afterSeq() == null ? 0 : q.afterSeq();
        if (q.limit() != null) {
            // "the newest N, then live": start after the N-th newest match
            List<AuditEvent> newest = log.query(q);
            if (!newest.isEmpty()) {
                after = newest.getFirst().seq() - 1;
            } else {
                after = log.lastSeq();
            }
        }
        AuditQuery live = new AuditQuery(q.session(), q.principal(), q.actionPrefix(), q.since(), q.until(), null, null);
        try (AuditLog.Subscription sub = log.follow(after, e -> {
            if (live.matches(e)) {
                events.add(e);
            }
        })) {
            while (true) {
                AuditEvent e = events.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    out.write(Map.of("type", "heartbeat")); // fails once the client has gone: that ends the follow
                } else {
                    out.write(render.apply(e));
                    afterWrite.accept(e);
                }
            }
        }
    }

    private void replay(Exchange x) throws Exception {
        String cid = x.param("cid");
        x.auditTarget(null, "tty/" + cid);
        Path file = ttys.find(cid).orElseThrow(() -> new ApiException(ErrorCode.COMMAND_NOT_FOUND,
                "no recording of terminal " + cid));
        x.response.setStatus(200);
        x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-asciicast");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 << 10];
            for (int n; (n = in.read(buf)) > 0; ) {
                Content.Sink.write(x.response, false, ByteBuffer.wrap(buf, 0, n));
            }
        }
        Content.Sink.write(x.response, true, ByteBuffer.allocate(0));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static long number(String s, String name, long min, long max) {
        try {
            long v = Long.parseLong(s);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the same answer as out of range
        }
        throw new ApiException(ErrorCode.INVALID_FIELD, name + " must be a whole number from " + min + " to " + max);
    }

    private static Instant instant(String s, String name) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, name + " must be an ISO-8601 instant such as 2026-12-01T10:00:00Z");
        }
    }
}
