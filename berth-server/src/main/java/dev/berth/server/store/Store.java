package dev.berth.server.store;

import java.util.List;
import java.util.Optional;

/**
 * Durable state of the control plane. SQLite is the embedded default; the interface is small so
 * that a PostgreSQL store can follow for shared deployments.
 */
public interface Store extends AutoCloseable {

    /** Inserts a session; false if the id is taken. */
    boolean insertSession(SessionRecord session);

    void updateSession(SessionRecord session);

    Optional<SessionRecord> session(String id);

    List<SessionRecord> sessions();

    /** Deletes a session and its commands. */
    void deleteSession(String id);

    void insertCommand(CommandRecord command);

    void updateCommand(CommandRecord command);

    Optional<CommandRecord> command(String sessionId, String commandId);

    List<CommandRecord> commands(String sessionId);

    @Override
    void close();
}
