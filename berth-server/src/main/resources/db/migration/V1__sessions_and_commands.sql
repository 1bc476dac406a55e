-- Sessions and the commands run in them. Times are epoch milliseconds.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    state            TEXT    NOT NULL,
    driver           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    memory_bytes     INTEGER NOT NULL,
    cpu_millis       INTEGER NOT NULL,
    pids             INTEGER NOT NULL,
    env_json         TEXT    NOT NULL
);

CREATE TABLE commands (
    id          TEXT PRIMARY KEY,
    session_id  TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    argv_json   TEXT    NOT NULL,
    cwd         TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    exit_code   INTEGER,
    exit_signal INTEGER,
    timed_out   INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    end_offset  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX commands_by_session ON commands (session_id, started_at);
