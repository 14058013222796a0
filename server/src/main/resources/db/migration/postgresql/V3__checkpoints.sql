-- The saved estimator states of a queued or running job (encoded by lpe.jobs.JobCheckpoint; NULL: none, and once
-- the job is final), written in the same UPDATE as its progress snapshot.
ALTER TABLE jobs ADD COLUMN checkpoint BYTEA;
-- The identity (token name) that submitted the job; '' for jobs of a server with no authentication.
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
