-- One row per model call through the gateway, kept after its session is gone (it is what was spent).
-- Costs are exact decimals (US dollars) as text: the sums are made in Java with BigDecimal.
CREATE TABLE model_calls (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    at                 INTEGER NOT NULL,
    session_id         TEXT    NOT NULL,
    owner              TEXT    NOT NULL,
    agent              TEXT,
    provider           TEXT    NOT NULL,
    model              TEXT,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    latency_ms         INTEGER NOT NULL,
    cost_usd           TEXT    NOT NULL,
    status             INTEGER NOT NULL
);
CREATE INDEX model_calls_session ON model_calls (session_id, at);
CREATE INDEX model_calls_at ON model_calls (at);
-- A session's model budget; it goes with the session.
CREATE TABLE session_budgets (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    tokens     INTEGER,
    usd        TEXT
);
