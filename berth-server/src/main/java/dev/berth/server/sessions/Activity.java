package dev.berth.server.sessions;

import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions' latest activity, kept in memory and written to the store in batches by the reaper, so
 * that reading output or starting a command does not pay a database write for it. A crash loses at
 * most one batch: idle time then counts from a few seconds earlier, which errs towards stopping.
 */
final class Activity {
    private final Map<String, Instant> unsaved = new ConcurrentHashMap<>();
    private final SessionChanges changes;

    Activity(SessionChanges changes) {
        this.changes = changes;
    }

    void touch(String id, Instant at) {
        unsaved.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
        changes.changed(); // lastActivityAt (and idleStopAt) moved
    }

    /** The session's last activity, counting what is not saved yet. */
    Instant last(SessionRecord s) {
        Instant pending = unsaved.get(s.id());
        return pending != null && pending.isAfter(s.lastActivityAt()) ? pending : s.lastActivityAt();
    }

    void forget(String id) {
        unsaved.remove(id);
    }

    /** Writes what is unsaved; entries touched again meanwhile stay for the next flush. */
    void flush(Store store) {
        Map<String, Instant> batch = new HashMap<>(unsaved);
        if (batch.isEmpty()) {
            return;
        }
        store.touchSessions(batch);
        batch.forEach((id, at) -> unsaved.remove(id, at));
    }
}
