/**
 * Job retention: removes finished jobs older than an age or beyond the newest N finished ones, with their state
 * rows (runs, attempts, target steps, reports, tags), a bounded batch per call. Jobs still running, paused or
 * queued are never removed. A job retrying a removed one keeps running; its RetryOf becomes null. The event log
 * keeps its own retention (retention.ts).
 */
import type Database from "better-sqlite3";
import type { JobRetentionLimits } from "../storage.js";

const FINISHED =
  "('JobStateCompleted','JobStateFailed','JobStateCancelled','JobStateCancellationFailed','JobStatePauseFailed')";

export class JobRetentionStatements {
  private readonly olderThan: Database.Statement;
  private readonly beyondNewest: Database.Statement;
  private readonly deletes: Database.Statement[];
  private readonly unlinkRetries: Database.Statement;
  private readonly deleteJob: Database.Statement;

  constructor(db: Database.Database) {
    this.olderThan = db
      .prepare(`SELECT id FROM jobs WHERE end_time < ? AND state IN ${FINISHED} ORDER BY end_time LIMIT ?`)
      .pluck();
    this.beyondNewest = db
      .prepare(`SELECT id FROM jobs WHERE end_time IS NOT NULL AND state IN ${FINISHED}
        ORDER BY end_time DESC, id DESC LIMIT ? OFFSET ?`)
      .pluck();
    this.deletes = ["target_steps", "test_attempts", "runs", "reports", "job_tags", "target_locks"].map((t) =>
      db.prepare(`DELETE FROM ${t} WHERE job_id = ?`),
    );
    this.unlinkRetries = db.prepare("UPDATE jobs SET retry_of = NULL WHERE retry_of = ?");
    this.deleteJob = db.prepare("DELETE FROM jobs WHERE id = ?");
  }

  /** Inside a transaction: removes up to `batch` jobs past the limits; `more` = call again. */
  prune(limits: JobRetentionLimits, now: number, batch: number): { deleted: number; more: boolean } {
    const ids = new Set<number>();
    if (limits.maxAgeMs !== null)
      for (const id of this.olderThan.all(now - limits.maxAgeMs, batch)) ids.add(Number(id));
    if (limits.maxJobs !== null && ids.size < batch)
      for (const id of this.beyondNewest.all(batch - ids.size, limits.maxJobs)) ids.add(Number(id));
    for (const id of ids) {
      for (const d of this.deletes) d.run(id);
      this.unlinkRetries.run(id);
      this.deleteJob.run(id);
    }
    return { deleted: ids.size, more: ids.size >= batch };
  }
}
