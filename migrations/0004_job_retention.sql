-- Job retention removes old finished jobs: find them by end time, and clear references from their retries.
CREATE INDEX jobs_finished ON jobs(end_time) WHERE end_time IS NOT NULL;
CREATE INDEX jobs_retry_of ON jobs(retry_of) WHERE retry_of IS NOT NULL;
