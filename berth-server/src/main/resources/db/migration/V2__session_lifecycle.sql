-- Why a session is in its state, its own lifetime settings (NULL: the server's default, read at
-- each use so that a changed server setting applies to existing sessions) and its disk quota
-- (fixed when the workspace's file system is made; 0: none).
ALTER TABLE sessions ADD COLUMN state_reason     TEXT;
ALTER TABLE sessions ADD COLUMN idle_timeout_ms  INTEGER;
ALTER TABLE sessions ADD COLUMN retention_ms     INTEGER;
ALTER TABLE sessions ADD COLUMN max_lifetime_ms  INTEGER;
ALTER TABLE sessions ADD COLUMN disk_quota_bytes INTEGER NOT NULL DEFAULT 0;

CREATE INDEX commands_running ON commands (session_id) WHERE state = 'running';
