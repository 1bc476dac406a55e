package dev.berth.server.terminal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many bytes each client has had typed on each terminal. A client that lost its connection
 * cannot know whether its last keystrokes arrived; on reconnecting it is told this count and sends
 * only what follows, so nothing it typed is lost or typed twice. Kept in memory, least recently
 * used first out: a server restart forgets it (see docs/api.md).
 */
public final class InputLedger {
    private static final int MAX_ENTRIES = 16_384;

    private final Map<String, Long> accepted = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** Bytes of {@code client}'s input written to the terminal so far. */
    public synchronized long accepted(String terminal, String client) {
        return accepted.getOrDefault(key(terminal, client), 0L);
    }

    /** Counts {@code bytes} more of {@code client}'s input as written; returns the new total. */
    public synchronized long add(String terminal, String client, long bytes) {
        return accepted.merge(key(terminal, client), bytes, Long::sum);
    }

    private static String key(String terminal, String client) {
        return terminal + '\n' + client;
    }
}
