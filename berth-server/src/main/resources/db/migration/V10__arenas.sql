-- One row per arena: what was asked and how each agent fared, as the JSON the API serves (it is read whole,
-- and rewritten as the agents progress); kept after the agents' sessions are gone.
CREATE TABLE arenas (
    id          TEXT PRIMARY KEY,
    owner       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    info_json   TEXT    NOT NULL
);
CREATE INDEX arenas_created ON arenas (created_at);
