package dev.berth.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.Json;
import dev.berth.api.model.SessionInfo;
import dev.berth.server.sessions.SessionChanges;
import dev.berth.server.sessions.SessionService;
import dev.berth.server.store.SessionRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code GET /v1/sessions?follow=true}: the sessions a caller may see, then each change as it
 * happens. On every change signal (at most a few times a second) and at least once a heartbeat, the
 * stream looks at the visible sessions again and sends those that differ from what it sent last,
 * and a {@code removed} line for each one gone (deleted, or no longer visible). Memory use moves all
 * the time: on its own it is sent at most once a heartbeat. Runs until the client leaves.
 */
final class SessionFollow {
    /** The least time between two looks: a busy session's activity does not become a line per keystroke. */
    private static final long MIN_GAP_NANOS = Duration.ofMillis(200).toNanos();

    private final SessionService sessions;
    private final Predicate<SessionRecord> visible;
    private final NdJsonLines out;
    private final Duration heartbeat;
    /** What was last sent of each session, as JSON. */
    private final Map<String, JsonNode> shown = new HashMap<>();

    SessionFollow(SessionService sessions, Predicate<SessionRecord> visible, NdJsonLines out, Duration heartbeat) {
        this.sessions = sessions;
        this.visible = visible;
        this.out = out;
        this.heartbeat = heartbeat;
    }

    void run() throws IOException, InterruptedException {
        SessionChanges changes = sessions.changes();
        long seen = changes.version();
        send(false);
        out.write(Map.of("type", "ready")); // the snapshot is complete, even when it was empty
        long lastLook = System.nanoTime();
        long lastLine = lastLook;
        while (true) {
            long beatDue = lastLine + heartbeat.toNanos();
            long now = changes.awaitAfter(seen, Duration.ofNanos(Math.max(0, beatDue - System.nanoTime())));
            boolean changed = now != seen;
            boolean beat = System.nanoTime() - beatDue >= 0;
            if (changed) {
                long wait = lastLook + MIN_GAP_NANOS - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait)); // pacing: later changes are seen by the same look
                }
                seen = changes.version();
            }
            if (!changed && !beat) {
                continue;
            }
            boolean sent = send(beat);
            lastLook = System.nanoTime();
            if (sent) {
                lastLine = lastLook;
            } else if (beat) {
                out.write(Map.of("type", "heartbeat")); // fails once the client has gone: that ends the follow
                lastLine = lastLook;
            }
        }
    }

    /**
     * Sends what changed since the last look.
     *
     * @param memoryToo whether a change of memory use alone is worth a line
     * @return whether anything was sent
     */
    private boolean send(boolean memoryToo) throws IOException {
        boolean sent = false;
        Set<String> gone = new HashSet<>(shown.keySet());
        for (SessionInfo s : sessions.list(visible)) {
            gone.remove(s.id());
            JsonNode now = Json.mapper().valueToTree(s);
            JsonNode before = shown.get(s.id());
            if (before == null || !(memoryToo ? now.equals(before) : withoutMemory(now).equals(withoutMemory(before)))) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("type", "session");
                line.put("session", now);
                out.write(line);
                shown.put(s.id(), now);
                sent = true;
            }
        }
        for (String id : gone) {
            out.write(Map.of("type", "removed", "id", id));
            shown.remove(id);
            sent = true;
        }
        return sent;
    }

    private static JsonNode withoutMemory(JsonNode session) {
        ObjectNode copy = session.deepCopy();
        copy.remove("memoryUsedBytes");
        return copy;
    }
}
