-- Secrets, encrypted with AES-256-GCM under a key kept outside the data directory: the nonce, the
-- ciphertext with its tag (the secret's name is bound in as associated data) and the id of the key
-- that sealed it (so that a wrong key is told apart from a damaged row). Never the value itself.
CREATE TABLE secrets (
    name       TEXT    PRIMARY KEY,
    key_id     TEXT    NOT NULL,
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL
);
