-- Deployed runtimes: each (name, version) immutable once written; spec_json is a RuntimeSpec.
CREATE TABLE runtimes (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    spec_json  TEXT    NOT NULL,
    PRIMARY KEY (name, version)
);
-- The runtime version a session was made from ("name@version"); NULL for a plain session.
ALTER TABLE sessions ADD COLUMN runtime TEXT;
