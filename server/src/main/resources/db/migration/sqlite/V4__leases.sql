-- Leases, as in the PostgreSQL store (an SQLite store serves one replica at a time: its lock file keeps a second out,
-- so a job there is held by the one server or by a server that stopped). (Version 3 is the checkpoints' migration.)
ALTER TABLE jobs ADD COLUMN model TEXT;
ALTER TABLE jobs ADD COLUMN lease_holder TEXT;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET model = json_extract(spec, '$.model') WHERE state IN ('QUEUED', 'RUNNING');
