/** The embedded default storage: better-sqlite3 in WAL mode, migrated at open, writes group-committed. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type {
  ForwardedEvent,
  JobsSnapshot,
  LogBounds,
  LogPage,
  LogQuery,
  PublishResult,
  QueueNotification,
} from "../../api/events.js";
import type { EventQuery, JobId, JobQuery, JobStateName, JobSummary, Report } from "../../api/types.js";
import { OrdoError } from "../../errors.js";
import type {
  CommitListener,
  CreateJobResult,
  JobRecord,
  JobRetentionLimits,
  NewEvent,
  NewJob,
  NewReport,
  PruneResult,
  RetentionLimits,
  RunRecord,
  Storage,
  StoredEvent,
  TargetStepRecord,
  TestAttemptRecord,
} from "../storage.js";
import { EventStatements } from "./events.js";
import { GroupCommitter } from "./group-commit.js";
import { IngestStatements } from "./ingest.js";
import { JobRetentionStatements } from "./job-retention.js";
import { JobStatements, toSummary } from "./jobs.js";
import { LockStatements } from "./locks.js";
import { LogStatements } from "./log.js";
import { migrate } from "./migrate.js";
import { QueueStatements } from "./queue.js";
import { ReportStatements } from "./reports.js";
import { RetentionStatements } from "./retention.js";

export type Durability = "full" | "normal";

export interface SqliteOptions {
  /** Database file path; ":memory:" for a throwaway store. */
  path: string;
  durability?: Durability;
  /** Told of each storage fault a write is waiting out (to log it). */
  onFault?: (err: OrdoError) => void;
}

/** Turns better-sqlite3 failures into ordo errors at the storage edge. */
function translate(err: unknown): unknown {
  if (err instanceof OrdoError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED)/.test(code)) {
    return new OrdoError("ORDO_ERR_STORAGE_UNAVAILABLE", `storage unavailable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return err;
}

function isStorageFault(err: unknown): boolean {
  const t = translate(err);
  return t instanceof OrdoError && t.code === "ORDO_ERR_STORAGE_UNAVAILABLE";
}

/** Emitted events one queued write takes at most, so one write stays short (see MAX_BATCH). */
const MAX_EMIT_BATCH = 64;

export class SqliteStorage implements Storage {
  readonly db: Database.Database;
  private readonly writer: GroupCommitter;
  private readonly jobs: JobStatements;
  private readonly events: EventStatements;
  private readonly locks: LockStatements;
  private readonly reports: ReportStatements;
  // The event store: global log reads, notification queues, retention, forwarded logs.
  private readonly log: LogStatements;
  private readonly queue: QueueStatements;
  private readonly retention: RetentionStatements;
  private readonly jobRetention: JobRetentionStatements;
  private readonly ingest: IngestStatements;
  /** Events appended by the batch being written; handed to listeners once it commits. */
  private uncommitted: StoredEvent[] = [];
  private readonly listeners = new Set<CommitListener>();
  private readonly onFault: ((err: OrdoError) => void) | undefined;
  /** The queued write that emitted events join while it is the last one queued (see emitEvents). */
  private emitted: { queued: object | undefined; events: NewEvent[]; onError: Set<(err: unknown) => void> } | undefined;

  constructor(opts: SqliteOptions) {
    if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
    this.onFault = opts.onFault;
    this.db = new Database(opts.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${opts.durability === "normal" ? "NORMAL" : "FULL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    migrate(this.db);
    this.writer = new GroupCommitter(this.db, {
      afterCommit: () => this.publish(),
      isTransient: (err) => isStorageFault(err),
      onFault: (err) => this.onFault?.(translate(err) as OrdoError),
      onRollback: () => {
        this.uncommitted = [];
      },
    });
    this.jobs = new JobStatements(this.db);
    this.queue = new QueueStatements(this.db);
    this.queue.releaseAll();
    // Inside each entry's transaction: it is published after the commit, and its notifications are enqueued with it.
    this.events = new EventStatements(this.db, this.jobs, (e) => {
      this.uncommitted.push(e);
      this.queue.enqueue(e);
    });
    this.log = new LogStatements(this.db, this.jobs);
    this.retention = new RetentionStatements(this.db);
    this.jobRetention = new JobRetentionStatements(this.db);
    this.ingest = new IngestStatements(this.db, this.events);
    this.locks = new LockStatements(this.db);
    this.reports = new ReportStatements(this.db);
  }

  /**
   * Queues a write for the next group commit. A write the engine depends on (events, locks, reports) waits out a
   * storage fault (disk full, I/O error) in the committer, in order, until it commits, so nothing is lost; a
   * submission (`failFast`) fails at once with ORDO_ERR_STORAGE_UNAVAILABLE so the client knows it was not stored.
   */
  private async write<T>(fn: () => T, failFast = false): Promise<T> {
    try {
      return await this.writer.write(() => {
        const mark = this.uncommitted.length;
        try {
          return fn();
        } catch (err) {
          this.uncommitted.length = mark; // this write's savepoint was rolled back
          throw err;
        }
      }, failFast);
    } catch (err) {
      throw translate(err);
    }
  }

  private publish(): void {
    const events = this.uncommitted;
    this.uncommitted = [];
    if (events.length === 0) return;
    for (const l of this.listeners) l(events);
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  createJob(job: NewJob): Promise<CreateJobResult> {
    return this.write(() => {
      const now = Date.now();
      const res = this.jobs.create(job, now);
      if (res.existing) return res;
      this.events.append({
        entityType: "job",
        operation: "create",
        eventName: "JobCreated",
        jobId: res.id,
        payload: { Name: job.name, Requestor: job.requestor, Tags: job.tags, RetryOf: job.retryOf ?? null },
        time: now,
      });
      return res;
    }, true);
  }

  async getJob(id: JobId): Promise<JobRecord | undefined> {
    return this.jobs.get(id);
  }

  async listJobs(query: JobQuery): Promise<JobSummary[]> {
    return this.jobs.list(query).map(toSummary);
  }

  async jobsInStates(serverId: string, states: JobStateName[]): Promise<JobRecord[]> {
    return this.jobs.inStates(serverId, states);
  }

  appendEvents(events: NewEvent[]): Promise<StoredEvent[]> {
    return this.write(() => events.map((e) => this.events.append(e)));
  }

  emitEvents(events: NewEvent[], onError: (err: unknown) => void): void {
    const open = this.emitted;
    // Joining the last queued write keeps the order of all writes; anything queued after it starts a new one.
    if (open && open.queued === this.writer.last() && open.events.length < MAX_EMIT_BATCH) {
      open.events.push(...events);
      open.onError.add(onError);
      return;
    }
    const batch = { queued: undefined as object | undefined, events: [...events], onError: new Set([onError]) };
    this.write(() => {
      for (const e of batch.events) this.events.append(e);
    }).catch((err: unknown) => {
      for (const report of batch.onError) report(err);
    });
    batch.queued = this.writer.last(); // write() queued synchronously: the tail is this batch
    this.emitted = batch;
  }

  async listEvents(jobId: JobId, query: EventQuery): Promise<StoredEvent[]> {
    return this.events.list(jobId, query);
  }

  async getRuns(jobId: JobId): Promise<RunRecord[]> {
    return this.events.getRuns(jobId);
  }

  async getTestAttempts(jobId: JobId): Promise<TestAttemptRecord[]> {
    return this.events.getTestAttempts(jobId);
  }

  async getTargetSteps(jobId: JobId): Promise<TargetStepRecord[]> {
    return this.events.getTargetSteps(jobId);
  }

  pauseJob(jobId: JobId, resumeState: unknown, payload: unknown): Promise<void> {
    return this.write(() => {
      this.jobs.saveResumeState(jobId, resumeState);
      this.events.append({ entityType: "job", operation: "update", eventName: "JobStatePaused", jobId, payload });
    });
  }

  unlockAll(jobId: JobId): Promise<void> {
    return this.write(() => this.locks.unlockJob(jobId));
  }

  addReport(report: NewReport): Promise<void> {
    return this.write(() => {
      const now = Date.now();
      this.reports.add(report, now);
      this.events.append({
        entityType: "report",
        operation: "create",
        eventName: report.runId === 0 ? "FinalReport" : "RunReport",
        jobId: report.jobId,
        runId: report.runId,
        payload: { ReporterName: report.reporterName, Success: report.success, Data: report.data },
        time: now,
      });
    });
  }

  async getReports(jobId: JobId): Promise<Report[]> {
    return this.reports.list(jobId);
  }

  lockTargets(jobId: JobId, targetIds: string[], ttlMs: number): Promise<string[]> {
    return this.write(() => this.locks.lock(jobId, targetIds, ttlMs, Date.now()));
  }

  refreshLocks(jobId: JobId, targetIds: string[], ttlMs: number): Promise<void> {
    return this.write(() => this.locks.refreshAll(jobId, targetIds, ttlMs, Date.now()));
  }

  unlockTargets(jobId: JobId, targetIds: string[]): Promise<void> {
    return this.write(() => this.locks.unlock(jobId, targetIds));
  }

  // The event store (issue 4).

  async logBounds(): Promise<LogBounds> {
    return this.log.bounds();
  }

  async readLog(query: LogQuery): Promise<LogPage> {
    return this.log.read(query);
  }

  async snapshotJobs(jobIds?: JobId[]): Promise<JobsSnapshot> {
    return this.log.snapshot(jobIds);
  }

  pruneEvents(limits: RetentionLimits, batch = 10_000): Promise<PruneResult> {
    return this.write(() => this.retention.prune(limits, Date.now(), batch));
  }

  pruneJobs(limits: JobRetentionLimits, batch = 500): Promise<{ deleted: number; more: boolean }> {
    return this.write(() => this.jobRetention.prune(limits, Date.now(), batch));
  }

  leaseNotifications(queue: string, leaseMs: number, max: number): Promise<QueueNotification[]> {
    return this.write(() => this.queue.lease(queue, leaseMs, max, Date.now()));
  }

  ackNotifications(queue: string, tokens: string[]): Promise<string[]> {
    return this.write(() => this.queue.ack(queue, tokens));
  }

  async nextNotificationExpiry(queue: string): Promise<number | null> {
    return this.queue.nextExpiry(queue, Date.now());
  }

  ingestEvents(source: string, events: ForwardedEvent[]): Promise<PublishResult> {
    return this.write(() => this.ingest.ingest(source, events, Date.now()));
  }

  async close(): Promise<void> {
    this.writer.flushAll();
    this.writer.close(
      new OrdoError("ORDO_ERR_STORAGE_UNAVAILABLE", "storage closed while writes waited for a fault to clear"),
    );
    this.db.close();
  }
}
