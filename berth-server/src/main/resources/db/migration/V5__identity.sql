-- Who owns a session, and whom it is shared with (JSON list of "user:NAME" / "group:NAME").
-- Sessions made before identity existed belong to the admin.
ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE sessions ADD COLUMN shared_json TEXT NOT NULL DEFAULT '[]';
-- Local API tokens: only the SHA-256 of the secret is kept; the token is shown once at creation.
CREATE TABLE api_tokens (
    id            TEXT    PRIMARY KEY,
    user_name     TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    groups_json   TEXT    NOT NULL DEFAULT '[]',
    runtimes_json TEXT,
    secret_sha256 TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    created_by    TEXT    NOT NULL
);
-- Who started a command (its audit events name them, also when the server notices the exit later).
ALTER TABLE commands ADD COLUMN started_by TEXT NOT NULL DEFAULT 'admin';
