-- Leases: the replica that runs or queues a job (lease_holder) holds it until lease_until (milliseconds since the
-- epoch, by the database's clock) and renews it while it runs; a job whose lease expired is taken over by a replica
-- that has its model. cancel_requested is set by a replica asked to cancel a job that another replica holds. Rows from
-- before leases have no lease_holder and count as expired. (Version 3 is the checkpoints' migration; its owner column
-- is the identity that submitted the job.)
ALTER TABLE jobs ADD COLUMN model TEXT;
ALTER TABLE jobs ADD COLUMN lease_holder TEXT;
ALTER TABLE jobs ADD COLUMN lease_until BIGINT;
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE jobs SET model = spec::json->>'model' WHERE state IN ('QUEUED', 'RUNNING');
