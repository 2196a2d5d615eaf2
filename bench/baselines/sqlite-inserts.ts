/**
 * Raw SQLite insert baseline for the no-op burn-down: rows shaped like ordo's events (same columns, same index)
 * into a fresh file, better-sqlite3, WAL, synchronous=FULL, `perTxn` rows per transaction. Runs in this process
 * (there is no server to share it with). Stops early at `limitMs` and reports what it did, so the slow
 * one-row-per-transaction variant stays bounded in time; rates extrapolate.
 */
import { join } from "node:path";
import Database from "better-sqlite3";

export interface InsertResult {
  rows: number;
  seconds: number;
  rowsPerS: number;
}

const NAMES = ["TargetIn", "EchoMessage", "TargetOut", "JobStateStarted", "RunStarted", "TestAttemptStarted"];

export function rawEventInserts(
  dir: string,
  opts: { rows: number; perTxn: number; payloadBytes: number; limitMs: number },
): InsertResult {
  const db = new Database(join(dir, `raw-${opts.perTxn}.db`));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,
      entity_type TEXT NOT NULL, operation TEXT NOT NULL, event_name TEXT NOT NULL, job_id INTEGER, run_id INTEGER,
      test_name TEXT, test_attempt INTEGER, step_label TEXT, target_id TEXT, target TEXT, payload TEXT);
      CREATE INDEX events_job ON events(job_id, seq);`);
    const insert = db.prepare(`INSERT INTO events (time, entity_type, operation, event_name, job_id, run_id,
      test_name, test_attempt, step_label, target_id, target, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const payload = JSON.stringify({ Msg: "x".repeat(Math.max(0, opts.payloadBytes - 10)) });
    let done = 0;
    const batch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++, done++) {
        const job = Math.floor(done / 16) + 1;
        const target = `noop-${job}`;
        insert.run(
          Date.now(),
          "step",
          "update",
          NAMES[done % NAMES.length],
          job,
          1,
          "Test",
          0,
          "echo1",
          target,
          `{"ID":"${target}"}`,
          payload,
        );
      }
    });
    const t0 = performance.now();
    const deadline = t0 + opts.limitMs;
    while (done < opts.rows && performance.now() < deadline) batch(Math.min(opts.perTxn, opts.rows - done));
    const seconds = (performance.now() - t0) / 1000;
    return { rows: done, seconds, rowsPerS: done / seconds };
  } finally {
    db.close();
  }
}
