/**
 * Retention: removes the oldest log entries beyond an age or a count, a bounded batch per call, and records how
 * far it went (event_log_state.pruned_through) so readers behind it get "too old" instead of a silent gap.
 * Queue notifications announcing removed entries go with them. State rows (jobs, runs...) are kept.
 */
import type Database from "better-sqlite3";
import type { PruneResult, RetentionLimits } from "../storage.js";

export class RetentionStatements {
  private readonly head: Database.Statement;
  private readonly pruned: Database.Statement;
  private readonly firstYoung: Database.Statement;
  private readonly deleteEvents: Database.Statement;
  private readonly deleteNotifications: Database.Statement;
  private readonly setPruned: Database.Statement;

  constructor(db: Database.Database) {
    this.head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.pruned = db.prepare("SELECT pruned_through FROM event_log_state WHERE id = 1").pluck();
    // seq order is commit order, and times grow with it: the scan stops at the first entry young enough.
    this.firstYoung = db.prepare("SELECT seq FROM events WHERE time >= ? ORDER BY seq LIMIT 1").pluck();
    this.deleteEvents = db.prepare("DELETE FROM events WHERE seq > ? AND seq <= ?");
    this.deleteNotifications = db.prepare("DELETE FROM queue_notifications WHERE seq <= ?");
    this.setPruned = db.prepare("UPDATE event_log_state SET pruned_through = ? WHERE id = 1");
  }

  /** The newest seq the limits allow removing (never beyond the head). */
  private cutoff(limits: RetentionLimits, now: number): number {
    const head = Number(this.head.get() ?? 0);
    let cutoff = 0;
    if (limits.maxEvents !== null) cutoff = Math.max(cutoff, head - limits.maxEvents);
    if (limits.maxAgeMs !== null) {
      const young = this.firstYoung.get(now - limits.maxAgeMs);
      cutoff = Math.max(cutoff, typeof young === "number" ? young - 1 : head);
    }
    return Math.min(cutoff, head);
  }

  /** Inside a transaction: removes up to `batch` entries that are past the limits. */
  prune(limits: RetentionLimits, now: number, batch: number): PruneResult {
    const from = Number(this.pruned.get() ?? 0);
    const cutoff = this.cutoff(limits, now);
    if (cutoff <= from) return { deleted: 0, prunedThrough: from, more: false };
    const to = Math.min(cutoff, from + batch);
    const deleted = this.deleteEvents.run(from, to).changes;
    this.deleteNotifications.run(to);
    this.setPruned.run(to);
    return { deleted, prunedThrough: to, more: to < cutoff };
  }
}
