package dev.berth.server.http;

import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditLog;
import dev.berth.server.audit.AuditQuery;
import dev.berth.server.identity.Access;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.sessions.SessionService;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/sessions/{id}/logs[?follow=true]}: what happened in a session, as JSON lines:
 * each audit event of the session ({@code type: event}) and the output of each command it started
 * ({@code type: output}, with the command, stream and offset). Without {@code follow}, the history
 * so far, each command's output after its start; with it, then everything as it happens.
 */
public final class SessionLogRoutes {
    /** The events after which a command's output follows. */
    private static final Set<String> STARTS = Set.of("command.start", "tty.open", "agent.start", "agent.turn", "arena.check");

    private final SessionService sessions;
    private final CommandService commands;
    private final AuditLog log;
    private final Duration heartbeat;
    private final Followers followers;

    public SessionLogRoutes(SessionService sessions, CommandService commands, AuditLog log, Duration heartbeat,
            Followers followers) {
        this.followers = followers;
        this.sessions = sessions;
        this.commands = commands;
        this.log = log;
        this.heartbeat = heartbeat;
    }

    public List<Route> routes() {
        return List.of(Route.of("GET", "/v1/sessions/{id}/logs", Access.SESSION_LOG, this::logs));
    }

    private void logs(Exchange x) throws Exception {
        String id = x.param("id");
        sessions.get(id); // a missing session is an error, not an empty log
        AuditQuery q = AuditRoutes.queryOf(x).withSession(id);
        log.flush();
        NdJsonLines out = new NdJsonLines(x.response);
        x.response.setStatus(200);
        if (!"true".equals(x.query("follow"))) {
            for (AuditEvent e : log.query(q)) {
                out.write(event(e));
                if (STARTS.contains(e.action())) {
                    output(out, id, commandOf(e), false);
                }
            }
            out.end();
            return;
        }
        Set<String> following = ConcurrentHashMap.newKeySet();
        followers.run(() -> AuditRoutes.follow(q, out, heartbeat, log, SessionLogRoutes::event, e -> {
            if (STARTS.contains(e.action()) && following.add(commandOf(e))) {
                // started after its event is written, so the command's output comes after its start
                followers.start("log-" + commandOf(e), () -> {
                    try {
                        output(out, id, commandOf(e), true);
                    } catch (IOException | RuntimeException gone) {
                        // the client left, or the command's output is gone: nothing more to send
                    }
                });
            }
        }));
    }

    private static Map<String, Object> event(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "event");
        m.put("event", e);
        return m;
    }

    private static String commandOf(AuditEvent e) {
        String r = e.resource() == null ? "" : e.resource();
        return r.substring(r.indexOf('/') + 1);
    }

    /** Writes a command's output from its start: up to now, or (following) until it ends or the client leaves. */
    private void output(NdJsonLines out, String sessionId, String cid, boolean follow) throws IOException {
        RunningCommand rc;
        try {
            rc = commands.peek(sessionId, cid);
        } catch (RuntimeException gone) {
            return;
        }
        long until = follow ? Long.MAX_VALUE : rc.endOffset();
        try (OutputCursor cursor = rc.follow(rc.firstRetainedOffset())) {
            while (true) {
                OutputChunk c = follow ? cursor.next(heartbeat) : cursor.next(Duration.ofMillis(1));
                switch (c) {
                    case OutputChunk.Data d -> {
                        out.write(output(cid, d));
                        if (d.offset() + d.data().remaining() >= until) {
                            return;
                        }
                    }
                    case OutputChunk.Gap g -> { }
                    case OutputChunk.Idle i -> {
                        if (!follow) {
                            return; // nothing more yet: the history is complete up to now
                        }
                        out.write(Map.of("type", "heartbeat")); // fails once the client has gone
                    }
                    case OutputChunk.End e -> {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Object> output(String cid, OutputChunk.Data d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "output");
        m.put("command", cid);
        m.put("stream", d.stderr() ? "stderr" : "stdout");
        m.put("offset", d.offset());
        OutputStreamer.NdJson.putData(m, d.data());
        return m;
    }
}
