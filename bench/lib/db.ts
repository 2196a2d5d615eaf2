/**
 * Read-only views of a server's SQLite file (WAL lets them read while the server writes). Used to wait for jobs
 * to finish and to take event times without loading the server with status calls. Depends on ordo's schema
 * (migrations/): jobs.state, events.seq/time/event_name/job_id.
 */
import { join } from "node:path";
import Database from "better-sqlite3";

const UNFINISHED = ["JobStateUnknown", "JobStateStarted", "JobStateCancelling"];
const IN = UNFINISHED.map((s) => `'${s}'`).join(",");

export class OrdoDb {
  private readonly db: Database.Database;
  private readonly unfinished: Database.Statement;
  private readonly jobs: Database.Statement;
  private readonly head: Database.Statement;

  constructor(dataDir: string) {
    this.db = new Database(join(dataDir, "ordo.db"), { readonly: true, fileMustExist: true });
    this.unfinished = this.db.prepare(`SELECT COUNT(*) FROM jobs WHERE state IN (${IN})`).pluck();
    this.jobs = this.db.prepare("SELECT COUNT(*) FROM jobs").pluck();
    this.head = this.db.prepare("SELECT COALESCE(MAX(seq), 0) FROM events").pluck();
  }

  unfinishedJobs(): number {
    return Number(this.unfinished.get());
  }

  /** Unfinished jobs with IDs in [from, to]. */
  unfinishedIn(from: number, to: number): number {
    return Number(
      this.db.prepare(`SELECT COUNT(*) FROM jobs WHERE id BETWEEN ? AND ? AND state IN (${IN})`).pluck().get(from, to),
    );
  }

  jobCount(): number {
    return Number(this.jobs.get());
  }

  headSeq(): number {
    return Number(this.head.get());
  }

  eventsBetween(afterSeq: number, throughSeq: number): number {
    return Number(
      this.db.prepare("SELECT COUNT(*) FROM events WHERE seq > ? AND seq <= ?").pluck().get(afterSeq, throughSeq),
    );
  }

  /** The queued (never started) jobs: lowest and highest ID and how many. */
  queued(): { from: number; to: number; count: number } {
    const r = this.db
      .prepare("SELECT MIN(id) AS f, MAX(id) AS t, COUNT(*) AS n FROM jobs WHERE state = 'JobStateUnknown'")
      .get() as { f: number | null; t: number | null; n: number };
    return { from: r.f ?? 0, to: r.t ?? -1, count: r.n };
  }

  /** Seconds from the first to the last log entry in (afterSeq, throughSeq]. */
  entrySpanS(afterSeq: number, throughSeq: number): number {
    const r = this.db
      .prepare("SELECT MIN(time) AS a, MAX(time) AS b FROM events WHERE seq > ? AND seq <= ?")
      .get(afterSeq, throughSeq) as { a: number | null; b: number | null };
    return r.a === null || r.b === null ? Number.NaN : (r.b - r.a) / 1000;
  }

  /** Jobs with IDs in [from, to] by state. */
  statesOf(from: number, to: number): Record<string, number> {
    const rows = this.db
      .prepare("SELECT state, COUNT(*) AS n FROM jobs WHERE id BETWEEN ? AND ? GROUP BY state")
      .all(from, to) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Earliest time of `first` and latest time of `last` among the jobs in [from, to] (ms since epoch). */
  span(from: number, to: number, first: string, last: string): { start: number | null; end: number | null } {
    const q = (agg: string, name: string) =>
      this.db
        .prepare(`SELECT ${agg}(time) FROM events WHERE job_id BETWEEN ? AND ? AND event_name = ?`)
        .pluck()
        .get(from, to, name) as number | null;
    return { start: q("MIN", first), end: q("MAX", last) };
  }

  /** Events of the jobs in [from, to], except those named in `except`. */
  eventsOf(from: number, to: number, except: string[] = []): number {
    const not = except.length ? `AND event_name NOT IN (${except.map(() => "?").join(",")})` : "";
    return Number(
      this.db
        .prepare(`SELECT COUNT(*) FROM events WHERE job_id BETWEEN ? AND ? ${not}`)
        .pluck()
        .get(from, to, ...except),
    );
  }

  /** Average length of the payload/target JSON of a sample of events (to size baseline rows alike). */
  averagePayload(): number {
    const v = this.db
      .prepare("SELECT AVG(LENGTH(COALESCE(payload, '')) + LENGTH(COALESCE(target, ''))) FROM events LIMIT 10000")
      .pluck()
      .get();
    return Math.round(Number(v ?? 0));
  }

  close(): void {
    this.db.close();
  }
}
