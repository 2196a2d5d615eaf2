/**
 * Ingesting another server's log (`ordo events forward`): each forwarded entry becomes an `eventsource` entry of
 * this log, written through the one append path. The newest source seq is kept per source in the same
 * transaction, so a batch sent again after a forwarder restart stores nothing twice.
 */
import type Database from "better-sqlite3";
import type { ForwardedEvent, PublishResult } from "../../api/events.js";
import type { EventStatements } from "./events.js";

export class IngestStatements {
  private readonly last: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly events: EventStatements;

  constructor(db: Database.Database, events: EventStatements) {
    this.events = events;
    this.last = db.prepare("SELECT last_seq FROM event_sources WHERE source = ?").pluck();
    this.upsert = db.prepare(`INSERT INTO event_sources (source, last_seq, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(source) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`);
  }

  lastSeq(source: string): number {
    return Number(this.last.get(source) ?? 0);
  }

  /** Inside a transaction: appends the entries newer than what the source already delivered, in source order. */
  ingest(source: string, events: ForwardedEvent[], now: number): PublishResult {
    let last = this.lastSeq(source);
    let stored = 0;
    for (const e of [...events].sort((a, b) => a.sourceSeq - b.sourceSeq)) {
      if (e.sourceSeq <= last) continue;
      this.events.append({
        entityType: "eventsource",
        operation: "create",
        eventName: e.eventName,
        jobId: 0,
        time: now,
        payload: {
          source,
          event: {
            seq: e.sourceSeq,
            time: e.time,
            entityType: e.entityType,
            operation: e.operation,
            eventName: e.eventName,
            jobId: e.jobId,
            ...e.coordinates,
            payload: e.payload,
          },
        },
      });
      last = e.sourceSeq;
      stored++;
    }
    if (stored > 0) this.upsert.run(source, last, now);
    return { stored, lastSourceSeq: last };
  }
}
