-- ordo schema v3: the event store (issue 4): retention bookkeeping, notification queues, forwarded-log sources.

-- Retention removes the oldest log entries; this remembers how far, so a cursor before it is "too old", never a gap.
CREATE TABLE event_log_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  pruned_through INTEGER NOT NULL      -- the highest seq retention removed; 0 = nothing removed yet
);
INSERT INTO event_log_state (id, pruned_through) VALUES (1, 0);

-- One row per notification not yet acknowledged (EngFlow's notification queue). Written in the transaction of the
-- event it announces; acknowledged rows are deleted, so they are never delivered again.
CREATE TABLE queue_notifications (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  queue       TEXT    NOT NULL,
  seq         INTEGER NOT NULL,            -- the event it announces
  deliveries  INTEGER NOT NULL DEFAULT 0,  -- the token of a delivery is "<id>.<deliveries>"
  lease_until INTEGER NOT NULL DEFAULT 0   -- ms since epoch; delivered to a reader until then (0 = ready)
);
CREATE INDEX queue_notifications_queue ON queue_notifications(queue, id);

-- Servers forwarding their logs here: the newest source seq stored, so a resent batch stores nothing twice.
CREATE TABLE event_sources (
  source     TEXT    PRIMARY KEY,
  last_seq   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
