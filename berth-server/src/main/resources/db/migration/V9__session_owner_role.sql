-- The owner's role when they made the session: the MCP gateway's per-role tool allow-lists use it.
-- Sessions made before are NULL (no role list applies to them).
ALTER TABLE sessions ADD COLUMN owner_role TEXT;
