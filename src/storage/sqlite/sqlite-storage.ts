/** The embedded default storage: better-sqlite3 in WAL mode, migrated at open, writes group-committed. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { EventQuery, JobId, JobQuery, JobStateName, JobSummary, Report } from "../../api/types.js";
import { OrdoError } from "../../errors.js";
import type {
  CommitListener,
  CreateJobResult,
  JobRecord,
  NewEvent,
  NewJob,
  NewReport,
  RunRecord,
  Storage,
  StoredEvent,
  TargetStepRecord,
  TestAttemptRecord,
} from "../storage.js";
import { EventStatements } from "./events.js";
import { GroupCommitter } from "./group-commit.js";
import { JobStatements, toSummary } from "./jobs.js";
import { LockStatements } from "./locks.js";
import { migrate } from "./migrate.js";
import { ReportStatements } from "./reports.js";

export type Durability = "full" | "normal";

export interface SqliteOptions {
  /** Database file path; ":memory:" for a throwaway store. */
  path: string;
  durability?: Durability;
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

export class SqliteStorage implements Storage {
  readonly db: Database.Database;
  private readonly writer: GroupCommitter;
  private readonly jobs: JobStatements;
  private readonly events: EventStatements;
  private readonly locks: LockStatements;
  private readonly reports: ReportStatements;
  /** Events appended by the batch being written; handed to listeners once it commits. */
  private uncommitted: StoredEvent[] = [];
  private readonly listeners = new Set<CommitListener>();

  constructor(opts: SqliteOptions) {
    if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${opts.durability === "normal" ? "NORMAL" : "FULL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    migrate(this.db);
    this.writer = new GroupCommitter(this.db, {
      afterCommit: () => this.publish(),
      onCommitError: () => {
        this.uncommitted = [];
      },
    });
    this.jobs = new JobStatements(this.db);
    this.events = new EventStatements(this.db, this.jobs, (e) => this.uncommitted.push(e));
    this.locks = new LockStatements(this.db);
    this.reports = new ReportStatements(this.db);
  }

  private async write<T>(fn: () => T): Promise<T> {
    try {
      return await this.writer.write(() => {
        const mark = this.uncommitted.length;
        try {
          return fn();
        } catch (err) {
          this.uncommitted.length = mark; // this write's savepoint was rolled back
          throw err;
        }
      });
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
    });
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

  async close(): Promise<void> {
    this.writer.flush();
    this.db.close();
  }
}
