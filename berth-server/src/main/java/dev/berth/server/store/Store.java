package dev.berth.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable state of the control plane. SQLite is the embedded default; the interface is small so
 * that a PostgreSQL store can follow for shared deployments.
 */
public interface Store extends AutoCloseable {

    /** Inserts a session; false if the id is taken. */
    boolean insertSession(SessionRecord session);

    /** Writes a session's state, reason and last activity. */
    void updateSession(SessionRecord session);

    /** Moves sessions' last activity forward (never back) to the given instants. */
    void touchSessions(Map<String, Instant> activity);

    Optional<SessionRecord> session(String id);

    List<SessionRecord> sessions();

    /** Deletes a session and its commands. */
    void deleteSession(String id);

    void insertCommand(CommandRecord command);

    void updateCommand(CommandRecord command);

    Optional<CommandRecord> command(String sessionId, String commandId);

    List<CommandRecord> commands(String sessionId);

    /** The commands of a session still recorded as running. */
    List<CommandRecord> runningCommands(String sessionId);

    @Override
    void close();
}
