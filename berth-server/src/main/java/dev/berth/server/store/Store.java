package dev.berth.server.store;

import dev.berth.api.model.ArenaInfo;
import dev.berth.runtimes.deploy.RuntimeSpec;
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

    /** Records how a running command ended; false if it was no longer recorded as running. */
    boolean finishCommand(CommandRecord command);

    Optional<CommandRecord> command(String sessionId, String commandId);

    List<CommandRecord> commands(String sessionId);

    /** The commands of a session still recorded as running. */
    List<CommandRecord> runningCommands(String sessionId);

    /** Stores a new version of the runtime {@code name}: one more than its newest (1 for the first). */
    RuntimeRecord insertRuntime(String name, Instant createdAt, RuntimeSpec spec);

    /** Every version of every runtime, by name then version. */
    List<RuntimeRecord> runtimes();

    /** A version of a runtime; a null version means its newest. */
    Optional<RuntimeRecord> runtime(String name, Integer version);

    /** Deletes one version of a runtime, or all of them with a null version; returns how many went. */
    int deleteRuntime(String name, Integer version);

    /** Replaces whom a session is shared with. */
    void updateSessionShares(String id, List<String> sharedWith);

    void insertToken(TokenRecord token);

    /** Every token, revoked and expired ones too, oldest first. */
    List<TokenRecord> tokens();

    /** Marks a token revoked; false if there is no such token. */
    boolean revokeToken(String id, Instant at);

    /**
     * Stores a secret, replacing one of the same name (whose creation time it keeps).
     *
     * @return the secret as stored, with its creation time
     */
    SecretRecord putSecret(SecretRecord secret);

    Optional<SecretRecord> secret(String name);

    /** Every secret, by name. */
    List<SecretRecord> secrets();

    /** Deletes a secret; false if there is none of that name. */
    boolean deleteSecret(String name);

    /** Stores model calls, in one transaction. */
    void insertModelCalls(List<ModelCallRecord> calls);

    /** The model calls of one session (null: of all) from {@code since} on (null: ever), oldest first. */
    List<ModelCallRecord> modelCalls(String sessionId, Instant since);

    /** Sets a session's budget, or removes it when it has no limit; false if there is no such session. */
    boolean putBudget(BudgetRecord budget);

    Optional<BudgetRecord> budget(String sessionId);

    @Override
    void close();

    /** Stores an arena as it is now (inserted the first time, replaced after). */
    void putArena(ArenaInfo arena);

    Optional<ArenaInfo> arena(String id);

    /** Every arena, newest first. */
    List<ArenaInfo> arenas();
}
