/**
 * Notification queues (EngFlow's semantics): a notification row is written in the transaction of the entry it
 * announces; leasing hands ready rows to one reader until its deadline; acknowledging deletes the row, so it is
 * never delivered again. A delivery's token is "<id>.<deliveries>": a late ack of an earlier delivery is refused.
 */
import type Database from "better-sqlite3";
import type { QueueNotification } from "../../api/events.js";
import { queuesFor } from "../../events/queues.js";
import type { StoredEvent } from "../storage.js";
import { type EventRow, toStored } from "./events.js";

interface LeasedRow {
  id: number;
  seq: number;
  deliveries: number;
}

const TOKEN = /^(\d{1,15})\.(\d{1,9})$/;

export class QueueStatements {
  private readonly insert: Database.Statement;
  private readonly leaseReady: Database.Statement;
  private readonly event: Database.Statement;
  private readonly drop: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly expiry: Database.Statement;
  private readonly reset: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare("INSERT INTO queue_notifications (queue, seq) VALUES (?, ?)");
    this.leaseReady = db.prepare(`UPDATE queue_notifications SET deliveries = deliveries + 1, lease_until = @until
      WHERE id IN (SELECT id FROM queue_notifications WHERE queue = @queue AND lease_until <= @now ORDER BY id
      LIMIT @limit) RETURNING id, seq, deliveries`);
    this.event = db.prepare("SELECT * FROM events WHERE seq = ?");
    this.drop = db.prepare("DELETE FROM queue_notifications WHERE id = ?");
    this.remove = db.prepare("DELETE FROM queue_notifications WHERE id = ? AND queue = ? AND deliveries = ?");
    this.expiry = db
      .prepare("SELECT MIN(lease_until) FROM queue_notifications WHERE queue = ? AND lease_until > ?")
      .pluck();
    this.reset = db.prepare("UPDATE queue_notifications SET lease_until = 0 WHERE lease_until > 0");
  }

  /** Inside the entry's transaction: one notification per queue that announces it. */
  enqueue(e: StoredEvent): void {
    for (const queue of queuesFor(e)) this.insert.run(queue, e.seq);
  }

  /** Inside a transaction: delivers up to `limit` ready notifications (oldest first) until `now + leaseMs`. */
  lease(queue: string, leaseMs: number, limit: number, now: number): QueueNotification[] {
    const until = now + leaseMs;
    const rows = (this.leaseReady.all({ queue, until, now, limit }) as LeasedRow[]).sort((a, b) => a.id - b.id);
    const out: QueueNotification[] = [];
    for (const r of rows) {
      const event = this.event.get(r.seq) as EventRow | undefined;
      if (!event) {
        this.drop.run(r.id); // its entry is gone (retention): nothing left to announce
        continue;
      }
      out.push({
        queue,
        token: `${r.id}.${r.deliveries}`,
        deliveryAttempt: r.deliveries,
        deadline: until,
        event: toStored(event),
      });
    }
    return out;
  }

  /** Inside a transaction: acknowledges deliveries; returns the tokens that were current. */
  ack(queue: string, tokens: string[]): string[] {
    return tokens.filter((token) => {
      const m = TOKEN.exec(token);
      return m !== null && this.remove.run(Number(m[1]), queue, Number(m[2])).changes === 1;
    });
  }

  /** When the next delivered-but-unacknowledged notification of the queue falls due again (ms), if any. */
  nextExpiry(queue: string, now: number): number | null {
    const v = this.expiry.get(queue, now);
    return typeof v === "number" ? v : null;
  }

  /** At open: readers do not outlive the process that served them, so their deliveries fall due at once. */
  releaseAll(): number {
    return this.reset.run().changes;
  }
}
