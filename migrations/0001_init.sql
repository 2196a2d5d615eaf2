-- ordo schema v1: job requests, tags, the append-only event log, projections kept current by the writer, reports, locks.

CREATE TABLE jobs (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  name                TEXT    NOT NULL,
  requestor           TEXT    NOT NULL,
  server_id           TEXT    NOT NULL,
  state               TEXT    NOT NULL,          -- current JobState name: Status and List never replay events
  state_err           TEXT    NOT NULL DEFAULT '',
  descriptor_raw      TEXT    NOT NULL,          -- what the client sent
  descriptor_resolved TEXT    NOT NULL,          -- normalised JSON with fetched steps: what the runner executes
  submit_time         INTEGER NOT NULL,          -- ms since epoch
  start_time          INTEGER,
  end_time            INTEGER,
  retry_of            INTEGER REFERENCES jobs(id),
  idempotency_key     TEXT
);
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_requestor ON jobs(requestor);
CREATE UNIQUE INDEX jobs_idempotency ON jobs(requestor, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE job_tags (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  tag    TEXT    NOT NULL,
  PRIMARY KEY (job_id, tag)
) WITHOUT ROWID;
CREATE INDEX job_tags_tag ON job_tags(tag, job_id);

-- One append-only log for framework and test events; seq is global and strictly increasing.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  time         INTEGER NOT NULL,
  entity_type  TEXT    NOT NULL,   -- job, run, test, step, target, report
  operation    TEXT    NOT NULL,   -- create, update, delete
  event_name   TEXT    NOT NULL,
  job_id       INTEGER,
  run_id       INTEGER,
  test_name    TEXT,
  test_attempt INTEGER,
  step_label   TEXT,
  target_id    TEXT,
  target       TEXT,               -- JSON of the target
  payload      TEXT                -- JSON
);
CREATE INDEX events_job ON events(job_id, seq);

CREATE TABLE runs (
  job_id     INTEGER NOT NULL,
  run_id     INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  end_time   INTEGER,
  PRIMARY KEY (job_id, run_id)
) WITHOUT ROWID;

CREATE TABLE test_attempts (
  job_id     INTEGER NOT NULL,
  run_id     INTEGER NOT NULL,
  test_name  TEXT    NOT NULL,
  attempt    INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  end_time   INTEGER,
  PRIMARY KEY (job_id, run_id, test_name, attempt)
) WITHOUT ROWID;

-- Where each target is in each step of each attempt; kept current from TargetIn/TargetOut/TargetErr.
CREATE TABLE target_steps (
  job_id     INTEGER NOT NULL,
  run_id     INTEGER NOT NULL,
  test_name  TEXT    NOT NULL,
  attempt    INTEGER NOT NULL,
  step_label TEXT    NOT NULL,
  target_id  TEXT    NOT NULL,
  target     TEXT    NOT NULL,
  in_time    INTEGER,
  out_time   INTEGER,
  error      TEXT,
  PRIMARY KEY (job_id, run_id, test_name, attempt, step_label, target_id)
) WITHOUT ROWID;

CREATE TABLE reports (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id        INTEGER NOT NULL,
  run_id        INTEGER NOT NULL,   -- 0 for final reports
  reporter_name TEXT    NOT NULL,
  success       INTEGER NOT NULL,
  data          TEXT,
  report_time   INTEGER NOT NULL
);
CREATE INDEX reports_job ON reports(job_id, run_id);

-- A target is used by one job at a time; locks expire unless refreshed.
CREATE TABLE target_locks (
  target_id  TEXT    PRIMARY KEY,
  job_id     INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
