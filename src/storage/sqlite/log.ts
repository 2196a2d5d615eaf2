/**
 * Reading the global event log: bounds, filtered pages after a cursor (the followers' catch-up and ListEvents),
 * and consistent job snapshots. A cursor before what retention removed is ORDO_ERR_CURSOR_TOO_OLD, never a gap.
 */
import type Database from "better-sqlite3";
import {
  checkCursor,
  compileFilter,
  type JobsSnapshot,
  jobIdsOf,
  type LogBounds,
  type LogPage,
  type LogQuery,
} from "../../api/events.js";
import type { EntityType, JobId, Operation } from "../../api/types.js";
import type { StoredEvent } from "../storage.js";
import { type EventRow, toStored } from "./events.js";
import { type JobStatements, toSummary } from "./jobs.js";
import { StatementCache } from "./statement-cache.js";

/** Rows scanned per statement, and at most per read, so one read of a selective filter stays short. */
const SCAN_CHUNK = 1000;
const MAX_SCAN = 50_000;
/** Job IDs pushed down into SQL at most; beyond that the filter runs on every row. */
const MAX_PUSHDOWN_IDS = 500;

export class LogStatements {
  private readonly jobs: JobStatements;
  private readonly head: Database.Statement;
  private readonly pruned: Database.Statement;
  private readonly scan: Database.Statement;
  /** The job-filtered reads, one statement per IN-list length (up to MAX_PUSHDOWN_IDS). */
  private readonly byJobs: StatementCache;

  constructor(db: Database.Database, jobs: JobStatements) {
    this.jobs = jobs;
    this.byJobs = new StatementCache(db);
    // sqlite_sequence holds the highest seq ever committed, even once retention removed it.
    this.head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.pruned = db.prepare("SELECT pruned_through FROM event_log_state WHERE id = 1").pluck();
    this.scan = db.prepare("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?");
  }

  bounds(): LogBounds {
    return {
      headSeq: Number(this.head.get() ?? 0),
      prunedThrough: Number(this.pruned.get() ?? 0),
    };
  }

  /** Up to `limit` entries after the cursor that the filter selects, scanning at most MAX_SCAN rows. */
  read(q: LogQuery): LogPage {
    const bounds = this.bounds();
    checkCursor(q.afterSeq, bounds);
    const { headSeq } = bounds;
    const selects = compileFilter(q.filter);
    const ids = jobIdsOf(q.filter);
    const events: StoredEvent[] = [];
    if (ids?.length === 0) return { events, nextAfterSeq: headSeq, more: false, headSeq };
    const chunk = this.chunkReader(ids);
    // Reading everything, a page is exactly the next `limit` rows; a selective filter scans ahead in chunks.
    const size = q.filter.everything ? Math.min(q.limit, SCAN_CHUNK) : SCAN_CHUNK;
    let cursor = q.afterSeq;
    let scanned = 0;
    for (;;) {
      const rows = chunk(cursor, size);
      for (const r of rows) {
        cursor = r.seq;
        const fields = {
          entityType: r.entity_type as EntityType,
          operation: r.operation as Operation,
          jobId: r.job_id,
          eventName: r.event_name,
        };
        if (!selects(fields)) continue;
        events.push(toStored(r));
        if (events.length >= q.limit) return { events, nextAfterSeq: cursor, more: true, headSeq };
      }
      scanned += rows.length;
      if (rows.length < size) {
        // The end of the log: nothing after it was committed, so the cursor may move to the head.
        return { events, nextAfterSeq: Math.max(cursor, headSeq), more: false, headSeq };
      }
      if (scanned >= MAX_SCAN) return { events, nextAfterSeq: cursor, more: true, headSeq };
    }
  }

  /** Rows after a seq, limited to some jobs when the filter is (the events_job index serves it). */
  private chunkReader(ids: JobId[] | undefined): (afterSeq: number, limit: number) => EventRow[] {
    if (ids === undefined || ids.length > MAX_PUSHDOWN_IDS)
      return (afterSeq, limit) => this.scan.all(afterSeq, limit) as EventRow[];
    const stmt = this.byJobs.get(
      `SELECT * FROM events WHERE job_id IN (${ids.map(() => "?").join(",")}) AND seq > ? ORDER BY seq LIMIT ?`,
    );
    return (afterSeq, limit) => stmt.all(...ids, afterSeq, limit) as EventRow[];
  }

  /** Every job (or the given ones), and the seq this view is consistent with (read in one synchronous step). */
  snapshot(jobIds?: JobId[]): JobsSnapshot {
    const seq = this.bounds().headSeq;
    const wanted = jobIds ? new Set(jobIds) : undefined;
    const jobs = this.jobs
      .list({})
      .filter((j) => !wanted || wanted.has(j.id))
      .map(toSummary);
    return { seq, jobs };
  }
}
