-- Where a session's sandbox may connect beyond the gateway, on top of the server's and its runtime's
-- rules: {"domains": [...], "cidrs": [...]}.
ALTER TABLE sessions ADD COLUMN egress_json TEXT NOT NULL DEFAULT '{}';
