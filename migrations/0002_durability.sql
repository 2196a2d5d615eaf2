-- Durability: a paused job's resume state lives in its row; attempts record how many targets failed,
-- so crash recovery can tell where a job stopped.
ALTER TABLE jobs ADD COLUMN resume_state TEXT;
CREATE INDEX jobs_server_state ON jobs(server_id, state);
ALTER TABLE test_attempts ADD COLUMN failed INTEGER;
