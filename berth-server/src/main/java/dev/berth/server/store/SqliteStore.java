package dev.berth.server.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.api.Json;
import dev.berth.api.model.ArenaInfo;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.ExitStatus;
import dev.berth.api.model.Role;
import dev.berth.api.model.SessionState;
import dev.berth.runtimes.deploy.RuntimeSpec;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.lifecycle.Lifetime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * SQLite through JDBC, schema by Flyway. One connection in WAL mode, used under a lock: SQLite
 * serialises writers anyway, and the control plane's write rate is small.
 */
public final class SqliteStore implements Store {
    private static final TypeReference<Map<String, String>> ENV = new TypeReference<>() {};
    private static final TypeReference<List<String>> ARGV = new TypeReference<>() {};
    private static final TypeReference<EgressRules> EGRESS = new TypeReference<>() {};
    private static final TypeReference<RuntimeSpec> SPEC = new TypeReference<>() {};
    private static final TypeReference<ArenaInfo> ARENA = new TypeReference<>() {};

    /** The highest {@code V<N>__*.sql} under {@code db/migration} (a test keeps the two in step). */
    static final int SCHEMA_VERSION = 10;

    private final Connection db;

    public SqliteStore(Path file) {
        String url = "jdbc:sqlite:" + file;
        SqliteNative.useCopyIn(file.toAbsolutePath().getParent().resolve("lib"));
        try {
            if (appliedVersion(url) != SCHEMA_VERSION) {
                // Flyway costs a quarter of a second of every start (most of a restart's store phase):
                // it runs only when there is something to migrate, or something to complain about
                Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
            }
            db = DriverManager.getConnection(url);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
            }
        } catch (SQLException e) {
            throw new StoreException("cannot open " + file, e);
        }
    }

    /** The newest migration Flyway recorded as applied, 0 for a new database. */
    static int appliedVersion(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            try (ResultSet t = s.executeQuery(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
                if (!t.next()) {
                    return 0;
                }
            }
            // a failed migration leaves a row with success = 0: then Flyway must run and say so
            try (ResultSet r = s.executeQuery("SELECT CASE WHEN SUM(success = 0) > 0 THEN -1 ELSE "
                    + "MAX(CAST(version AS INTEGER)) END FROM flyway_schema_history WHERE version IS NOT NULL")) {
                return r.next() ? r.getInt(1) : 0;
            }
        }
    }

    @Override
    public synchronized boolean insertSession(SessionRecord r) {
        try (PreparedStatement p = db.prepareStatement("""
                INSERT INTO sessions (id, state, driver, created_at, last_activity_at, memory_bytes, cpu_millis, pids, env_json,
                                      state_reason, idle_timeout_ms, retention_ms, max_lifetime_ms, disk_quota_bytes, runtime,
                                      owner, shared_json, egress_json, owner_role)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""")) {
            p.setString(1, r.id());
            p.setString(2, r.state().wire());
            p.setString(3, r.driver());
            p.setLong(4, r.createdAt().toEpochMilli());
            p.setLong(5, r.lastActivityAt().toEpochMilli());
            p.setLong(6, r.limits().memoryBytes());
            p.setLong(7, r.limits().cpuMillis());
            p.setInt(8, r.limits().pids());
            p.setString(9, json(r.env()));
            p.setString(10, r.stateReason());
            setMillis(p, 11, r.lifetime().idleTimeout());
            setMillis(p, 12, r.lifetime().retention());
            setMillis(p, 13, r.lifetime().maxLifetime());
            p.setLong(14, r.diskQuotaBytes());
            p.setString(15, r.runtime());
            p.setString(16, r.owner());
            p.setString(17, json(r.sharedWith()));
            p.setString(18, json(r.egress()));
            p.setString(19, r.ownerRole());
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("insert session " + r.id(), e);
        }
    }

    @Override
    public synchronized void updateSession(SessionRecord r) {
        try (PreparedStatement p = db.prepareStatement(
                "UPDATE sessions SET state = ?, state_reason = ?, last_activity_at = ? WHERE id = ?")) {
            p.setString(1, r.state().wire());
            p.setString(2, r.stateReason());
            p.setLong(3, r.lastActivityAt().toEpochMilli());
            p.setString(4, r.id());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("update session " + r.id(), e);
        }
    }

    @Override
    public synchronized void touchSessions(Map<String, Instant> activity) {
        if (activity.isEmpty()) {
            return;
        }
        try (PreparedStatement p = db.prepareStatement(
                "UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?")) {
            db.setAutoCommit(false);
            for (Map.Entry<String, Instant> e : activity.entrySet()) {
                p.setLong(1, e.getValue().toEpochMilli());
                p.setString(2, e.getKey());
                p.addBatch();
            }
            p.executeBatch();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw new StoreException("record session activity", e);
        } finally {
            autoCommit();
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one reported
        }
    }

    private void autoCommit() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException e) {
            throw new StoreException("restore auto-commit", e);
        }
    }

    @Override
    public synchronized Optional<SessionRecord> session(String id) {
        List<SessionRecord> found = querySessions("SELECT * FROM sessions WHERE id = ?", id);
        return found.stream().findFirst();
    }

    @Override
    public synchronized List<SessionRecord> sessions() {
        return querySessions("SELECT * FROM sessions ORDER BY created_at, id");
    }

    private List<SessionRecord> querySessions(String sql, String... args) {
        return query(sql, "sessions", rs -> new SessionRecord(
                rs.getString("id"),
                SessionState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                rs.getString("state_reason"),
                rs.getString("driver"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("last_activity_at")),
                new ResourceLimits(rs.getLong("memory_bytes"), rs.getLong("cpu_millis"), rs.getInt("pids")),
                parse(rs.getString("env_json"), ENV),
                new Lifetime(millis(rs, "idle_timeout_ms"), millis(rs, "retention_ms"), millis(rs, "max_lifetime_ms")),
                rs.getLong("disk_quota_bytes"),
                rs.getString("runtime"),
                rs.getString("owner"),
                parse(rs.getString("shared_json"), ARGV),
                parse(rs.getString("egress_json"), EGRESS),
                rs.getString("owner_role")), args);
    }

    @Override
    public synchronized void deleteSession(String id) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
            p.setString(1, id);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("delete session " + id, e);
        }
    }

    @Override
    public synchronized void insertCommand(CommandRecord c) {
        try (PreparedStatement p = db.prepareStatement("""
                INSERT INTO commands (id, session_id, argv_json, cwd, state, started_at, tty, started_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            p.setString(1, c.id());
            p.setString(2, c.sessionId());
            p.setString(3, json(c.argv()));
            p.setString(4, c.cwd());
            p.setString(5, c.state().wire());
            p.setLong(6, c.startedAt().toEpochMilli());
            p.setInt(7, c.tty() ? 1 : 0);
            p.setString(8, c.startedBy());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("insert command " + c.id(), e);
        }
    }

    @Override
    public synchronized boolean finishCommand(CommandRecord c) {
        try (PreparedStatement p = db.prepareStatement("""
                UPDATE commands SET state = ?, exit_code = ?, exit_signal = ?, timed_out = ?, duration_ms = ?, end_offset = ?
                WHERE id = ? AND session_id = ? AND state = 'running'""")) {
            ExitStatus e = c.exit();
            p.setString(1, c.state().wire());
            setNullable(p, 2, e == null ? null : e.code());
            setNullable(p, 3, e == null ? null : e.signal());
            p.setInt(4, e != null && e.timedOut() ? 1 : 0);
            if (e == null) {
                p.setNull(5, Types.INTEGER);
            } else {
                p.setLong(5, e.durationMs());
            }
            p.setLong(6, c.endOffset());
            p.setString(7, c.id());
            p.setString(8, c.sessionId());
            return p.executeUpdate() == 1;
        } catch (SQLException ex) {
            throw new StoreException("update command " + c.id(), ex);
        }
    }

    @Override
    public synchronized Optional<CommandRecord> command(String sessionId, String commandId) {
        return queryCommands("SELECT * FROM commands WHERE session_id = ? AND id = ?", sessionId, commandId)
                .stream().findFirst();
    }

    @Override
    public synchronized List<CommandRecord> commands(String sessionId) {
        return queryCommands("SELECT * FROM commands WHERE session_id = ? ORDER BY started_at, id", sessionId);
    }

    @Override
    public synchronized List<CommandRecord> runningCommands(String sessionId) {
        return queryCommands("SELECT * FROM commands WHERE session_id = ? AND state = 'running' ORDER BY started_at, id",
                sessionId);
    }

    private List<CommandRecord> queryCommands(String sql, String... args) {
        return query(sql, "commands", rs -> {
            CommandState state = CommandState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT));
            long duration = rs.getLong("duration_ms");
            ExitStatus exit = rs.wasNull() ? null : new ExitStatus(
                    nullableInt(rs, "exit_code"), nullableInt(rs, "exit_signal"), rs.getInt("timed_out") != 0, duration);
            return new CommandRecord(rs.getString("id"), rs.getString("session_id"),
                    parse(rs.getString("argv_json"), ARGV), rs.getString("cwd"), state,
                    Instant.ofEpochMilli(rs.getLong("started_at")), exit, rs.getLong("end_offset"),
                    rs.getInt("tty") != 0, rs.getString("started_by"));
        }, args);
    }

    @Override
    public synchronized RuntimeRecord insertRuntime(String name, Instant createdAt, RuntimeSpec spec) {
        try (PreparedStatement p = db.prepareStatement("""
                INSERT INTO runtimes (name, version, created_at, spec_json)
                VALUES (?, (SELECT COALESCE(MAX(version), 0) + 1 FROM runtimes WHERE name = ?), ?, ?)
                RETURNING version""")) {
            p.setString(1, name);
            p.setString(2, name);
            p.setLong(3, createdAt.toEpochMilli());
            p.setString(4, json(spec));
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return new RuntimeRecord(name, rs.getInt(1), createdAt, spec);
            }
        } catch (SQLException e) {
            throw new StoreException("insert runtime " + name, e);
        }
    }

    @Override
    public synchronized List<RuntimeRecord> runtimes() {
        return queryRuntimes("SELECT * FROM runtimes ORDER BY name, version");
    }

    @Override
    public synchronized Optional<RuntimeRecord> runtime(String name, Integer version) {
        List<RuntimeRecord> found = version == null
                ? queryRuntimes("SELECT * FROM runtimes WHERE name = ? ORDER BY version DESC LIMIT 1", name)
                : queryRuntimes("SELECT * FROM runtimes WHERE name = ? AND version = ?", name, version.toString());
        return found.stream().findFirst();
    }

    @Override
    public synchronized int deleteRuntime(String name, Integer version) {
        try (PreparedStatement p = db.prepareStatement(version == null ? "DELETE FROM runtimes WHERE name = ?"
                : "DELETE FROM runtimes WHERE name = ? AND version = ?")) {
            p.setString(1, name);
            if (version != null) {
                p.setInt(2, version);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("delete runtime " + name, e);
        }
    }

    private List<RuntimeRecord> queryRuntimes(String sql, String... args) {
        return query(sql, "runtimes", rs -> new RuntimeRecord(rs.getString("name"), rs.getInt("version"),
                Instant.ofEpochMilli(rs.getLong("created_at")), parse(rs.getString("spec_json"), SPEC)), args);
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Every row {@code sql} gives for {@code args} (bound as text), read by {@code row}. */
    private <T> List<T> query(String sql, String what, Row<T> row, String... args) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            List<T> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("query " + what, e);
        }
    }

    private static Duration millis(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Duration.ofMillis(v);
    }

    private static void setMillis(PreparedStatement p, int i, Duration d) throws SQLException {
        if (d == null) {
            p.setNull(i, Types.INTEGER);
        } else {
            p.setLong(i, d.toMillis());
        }
    }

    private static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static void setNullable(PreparedStatement p, int i, Integer v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.INTEGER);
        } else {
            p.setInt(i, v);
        }
    }

    private static String json(Object o) {
        try {
            return Json.mapper().writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T parse(String s, TypeReference<T> type) {
        try {
            return Json.mapper().readValue(s, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void updateSessionShares(String id, List<String> sharedWith) {
        try (PreparedStatement p = db.prepareStatement("UPDATE sessions SET shared_json = ? WHERE id = ?")) {
            p.setString(1, json(sharedWith));
            p.setString(2, id);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("share session " + id, e);
        }
    }

    @Override
    public synchronized void insertToken(TokenRecord t) {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO api_tokens (id, user_name, role, groups_json,"
                + " runtimes_json, secret_sha256, created_at, expires_at, revoked_at, created_by)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, t.id());
            p.setString(2, t.user());
            p.setString(3, t.role().wire());
            p.setString(4, json(t.groups()));
            p.setString(5, t.runtimes() == null ? null : json(t.runtimes()));
            p.setString(6, t.secretSha256());
            p.setLong(7, t.createdAt().toEpochMilli());
            setInstant(p, 8, t.expiresAt());
            setInstant(p, 9, t.revokedAt());
            p.setString(10, t.createdBy());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("insert token " + t.id(), e);
        }
    }

    @Override
    public synchronized List<TokenRecord> tokens() {
        return query("SELECT * FROM api_tokens ORDER BY created_at, id", "tokens", rs -> {
            String runtimes = rs.getString("runtimes_json");
            return new TokenRecord(rs.getString("id"), rs.getString("user_name"), Role.parse(rs.getString("role")),
                    parse(rs.getString("groups_json"), ARGV), runtimes == null ? null : parse(runtimes, ARGV),
                    rs.getString("secret_sha256"), Instant.ofEpochMilli(rs.getLong("created_at")),
                    instant(rs, "expires_at"), instant(rs, "revoked_at"), rs.getString("created_by"));
        });
    }

    @Override
    public synchronized boolean revokeToken(String id, Instant at) {
        try (PreparedStatement p = db.prepareStatement(
                "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")) {
            p.setLong(1, at.toEpochMilli());
            p.setString(2, id);
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("revoke token " + id, e);
        }
    }

    @Override
    public synchronized SecretRecord putSecret(SecretRecord r) {
        try (PreparedStatement p = db.prepareStatement("""
                INSERT INTO secrets (name, key_id, nonce, ciphertext, created_at, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
                    ciphertext = excluded.ciphertext, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                RETURNING created_at""")) {
            p.setString(1, r.name());
            p.setString(2, r.keyId());
            p.setBytes(3, r.nonce());
            p.setBytes(4, r.ciphertext());
            p.setLong(5, r.createdAt().toEpochMilli());
            p.setLong(6, r.updatedAt().toEpochMilli());
            p.setString(7, r.updatedBy());
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return new SecretRecord(r.name(), r.keyId(), r.nonce(), r.ciphertext(), Instant.ofEpochMilli(rs.getLong(1)),
                        r.updatedAt(), r.updatedBy());
            }
        } catch (SQLException e) {
            throw new StoreException("store secret " + r.name(), e);
        }
    }

    @Override
    public synchronized Optional<SecretRecord> secret(String name) {
        return querySecrets("SELECT * FROM secrets WHERE name = ?", name).stream().findFirst();
    }

    @Override
    public synchronized List<SecretRecord> secrets() {
        return querySecrets("SELECT * FROM secrets ORDER BY name");
    }

    private List<SecretRecord> querySecrets(String sql, String... args) {
        return query(sql, "secrets", rs -> new SecretRecord(rs.getString("name"), rs.getString("key_id"),
                rs.getBytes("nonce"), rs.getBytes("ciphertext"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getString("updated_by")), args);
    }

    @Override
    public synchronized boolean deleteSecret(String name) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM secrets WHERE name = ?")) {
            p.setString(1, name);
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("delete secret " + name, e);
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void setInstant(PreparedStatement p, int i, Instant t) throws SQLException {
        if (t == null) {
            p.setNull(i, Types.INTEGER);
        } else {
            p.setLong(i, t.toEpochMilli());
        }
    }

    @Override
    public synchronized void insertModelCalls(List<ModelCallRecord> calls) {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO model_calls (at, session_id, owner, agent, provider,"
                + " model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, cost_usd, status)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            db.setAutoCommit(false);
            for (ModelCallRecord c : calls) {
                bind(p, c);
                p.addBatch();
            }
            p.executeBatch();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw new StoreException("insert " + calls.size() + " model calls", e);
        } finally {
            autoCommit();
        }
    }

    private static void bind(PreparedStatement p, ModelCallRecord c) throws SQLException {
        p.setLong(1, c.at().toEpochMilli());
        p.setString(2, c.sessionId());
        p.setString(3, c.owner());
        p.setString(4, c.agent());
        p.setString(5, c.provider());
        p.setString(6, c.model());
        p.setLong(7, c.inputTokens());
        p.setLong(8, c.outputTokens());
        p.setLong(9, c.cacheReadTokens());
        p.setLong(10, c.cacheWriteTokens());
        p.setLong(11, c.latencyMs());
        p.setString(12, c.costUsd().toPlainString());
        p.setInt(13, c.status());
    }

    @Override
    public synchronized List<ModelCallRecord> modelCalls(String sessionId, Instant since) {
        String sql = "SELECT * FROM model_calls WHERE at >= ?" + (sessionId == null ? "" : " AND session_id = ?")
                + " ORDER BY at, id";
        String from = Long.toString(since == null ? Long.MIN_VALUE : since.toEpochMilli());
        Row<ModelCallRecord> row = rs -> new ModelCallRecord(Instant.ofEpochMilli(rs.getLong("at")),
                rs.getString("session_id"), rs.getString("owner"), rs.getString("agent"), rs.getString("provider"),
                rs.getString("model"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                rs.getLong("cache_read_tokens"), rs.getLong("cache_write_tokens"), rs.getLong("latency_ms"),
                new java.math.BigDecimal(rs.getString("cost_usd")), rs.getInt("status"));
        return sessionId == null ? query(sql, "model calls", row, from) : query(sql, "model calls", row, from, sessionId);
    }

    @Override
    public synchronized boolean putBudget(BudgetRecord b) {
        boolean none = b.tokens() == null && b.usd() == null;
        try (PreparedStatement p = db.prepareStatement(none ? "DELETE FROM session_budgets WHERE session_id = ?"
                : "INSERT INTO session_budgets (session_id, tokens, usd) VALUES (?, ?, ?)"
                        + " ON CONFLICT (session_id) DO UPDATE SET tokens = excluded.tokens, usd = excluded.usd")) {
            p.setString(1, b.sessionId());
            if (!none) {
                if (b.tokens() == null) {
                    p.setNull(2, Types.INTEGER);
                } else {
                    p.setLong(2, b.tokens());
                }
                p.setString(3, b.usd() == null ? null : b.usd().toPlainString());
            }
            p.executeUpdate();
            return none ? session(b.sessionId()).isPresent() : true;
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY")) {
                return false;
            }
            throw new StoreException("set budget of " + b.sessionId(), e);
        }
    }

    @Override
    public synchronized Optional<BudgetRecord> budget(String sessionId) {
        return query("SELECT * FROM session_budgets WHERE session_id = ?", "budgets", rs -> {
            long tokens = rs.getLong("tokens");
            Long t = rs.wasNull() ? null : tokens;
            String usd = rs.getString("usd");
            return new BudgetRecord(rs.getString("session_id"), t, usd == null ? null : new java.math.BigDecimal(usd));
        }, sessionId).stream().findFirst();
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new StoreException("close", e);
        }
    }


    @Override
    public synchronized void putArena(ArenaInfo a) {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO arenas (id, owner, created_at, state, info_json)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
                + " info_json = excluded.info_json")) {
            p.setString(1, a.id());
            p.setString(2, a.owner());
            p.setLong(3, a.createdAt().toEpochMilli());
            p.setString(4, a.state());
            p.setString(5, json(a));
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("store arena " + a.id(), e);
        }
    }

    @Override
    public synchronized Optional<ArenaInfo> arena(String id) {
        return query("SELECT info_json FROM arenas WHERE id = ?", "arena", rs -> parse(rs.getString(1), ARENA), id)
                .stream().findFirst();
    }

    @Override
    public synchronized List<ArenaInfo> arenas() {
        return query("SELECT info_json FROM arenas ORDER BY created_at DESC, id", "arenas",
                rs -> parse(rs.getString(1), ARENA));
    }
}
