/**
 * The append-only event log, and the state rows each event keeps current in the same transaction:
 * job state (JobState* events), runs (RunStarted/RunEnded), test attempts (TestAttemptStarted/TestAttemptEnded),
 * and each target's position in the steps (TargetIn/TargetOut/TargetErr).
 */
import type Database from "better-sqlite3";
import { type EventQuery, isJobStateName, type JobId, type Target, TERMINAL_STATES } from "../../api/types.js";
import { redactSecrets } from "../../events/redact.js";
import type {
  EntityType,
  NewEvent,
  Operation,
  RunRecord,
  StoredEvent,
  TargetStepRecord,
  TestAttemptRecord,
} from "../storage.js";
import type { JobStatements } from "./jobs.js";
import { StatementCache } from "./statement-cache.js";

export interface EventRow {
  seq: number;
  time: number;
  entity_type: string;
  operation: string;
  event_name: string;
  job_id: number;
  run_id: number | null;
  test_name: string | null;
  test_attempt: number | null;
  step_label: string | null;
  target: string | null;
  payload: string | null;
}

export function toStored(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    time: r.time,
    entityType: r.entity_type as EntityType,
    operation: r.operation as Operation,
    eventName: r.event_name,
    jobId: r.job_id,
    runId: r.run_id,
    testName: r.test_name,
    testAttempt: r.test_attempt,
    stepLabel: r.step_label,
    target: r.target === null ? null : (JSON.parse(r.target) as Target),
    payload: r.payload === null ? null : JSON.parse(r.payload),
  };
}

function errorMessage(payload: unknown): string {
  if (payload && typeof payload === "object" && "Error" in payload) return String(payload.Error);
  return typeof payload === "string" ? payload : JSON.stringify(payload ?? null);
}

export class EventStatements {
  private readonly insert: Database.Statement;
  private readonly runStart: Database.Statement;
  private readonly runEnd: Database.Statement;
  private readonly attemptStart: Database.Statement;
  private readonly attemptEnd: Database.Statement;
  private readonly targetIn: Database.Statement;
  private readonly targetOut: Database.Statement;
  private readonly runs: Database.Statement;
  private readonly attempts: Database.Statement;
  private readonly targetSteps: Database.Statement;
  private readonly jobs: JobStatements;

  private readonly appended: (e: StoredEvent) => void;
  /** list()'s statements, by filter shape (at most 2^7 of them). */
  private readonly listBy: StatementCache;

  constructor(db: Database.Database, jobs: JobStatements, appended: (e: StoredEvent) => void) {
    this.jobs = jobs;
    this.appended = appended;
    this.listBy = new StatementCache(db);
    this.insert = db.prepare(`INSERT INTO events (time, entity_type, operation, event_name, job_id, run_id, test_name,
      test_attempt, step_label, target_id, target, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.runStart = db.prepare("INSERT OR REPLACE INTO runs (job_id, run_id, start_time) VALUES (?, ?, ?)");
    this.runEnd = db.prepare("UPDATE runs SET end_time = ? WHERE job_id = ? AND run_id = ?");
    this.attemptStart = db.prepare(
      "INSERT OR REPLACE INTO test_attempts (job_id, run_id, test_name, attempt, start_time) VALUES (?, ?, ?, ?, ?)",
    );
    this.attemptEnd = db.prepare(
      "UPDATE test_attempts SET end_time = ?, failed = ? WHERE job_id = ? AND run_id = ? AND test_name = ? AND attempt = ?",
    );
    this.targetIn = db.prepare(`INSERT OR REPLACE INTO target_steps (job_id, run_id, test_name, attempt, step_label,
      target_id, target, in_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.targetOut = db.prepare(`UPDATE target_steps SET out_time = ?, error = ? WHERE job_id = ? AND run_id = ?
      AND test_name = ? AND attempt = ? AND step_label = ? AND target_id = ?`);
    this.runs = db.prepare("SELECT run_id, start_time, end_time FROM runs WHERE job_id = ? ORDER BY run_id");
    this.attempts = db.prepare(`SELECT run_id, test_name, attempt, start_time, end_time, failed FROM test_attempts
      WHERE job_id = ? ORDER BY run_id, start_time, attempt`);
    this.targetSteps = db.prepare(`SELECT run_id, test_name, attempt, step_label, target, in_time, out_time, error
      FROM target_steps WHERE job_id = ? ORDER BY run_id, test_name, attempt, in_time`);
  }

  /** Inside a transaction: appends one event and applies its projection. */
  append(e: NewEvent): StoredEvent {
    const time = e.time ?? Date.now();
    const target = e.target ? JSON.stringify(e.target) : null;
    const redacted = redactSecrets(e.payload); // the single write path: secrets never reach the log
    const payload = redacted === undefined ? null : JSON.stringify(redacted);
    const info = this.insert.run(
      time,
      e.entityType,
      e.operation,
      e.eventName,
      e.jobId,
      e.runId ?? null,
      e.testName ?? null,
      e.testAttempt ?? null,
      e.stepLabel ?? null,
      e.target?.ID ?? null,
      target,
      payload,
    );
    this.project(e, time, target);
    const stored: StoredEvent = {
      seq: Number(info.lastInsertRowid),
      time,
      entityType: e.entityType,
      operation: e.operation,
      eventName: e.eventName,
      jobId: e.jobId,
      runId: e.runId ?? null,
      testName: e.testName ?? null,
      testAttempt: e.testAttempt ?? null,
      stepLabel: e.stepLabel ?? null,
      target: e.target ?? null,
      payload: redacted ?? null,
    };
    this.appended(stored);
    return stored;
  }

  private project(e: NewEvent, time: number, target: string | null): void {
    // Forwarded (eventsource) and trigger entries describe no job of this server: they change no state rows.
    if (e.entityType === "eventsource" || e.entityType === "trigger") return;
    const name = e.eventName;
    if (isJobStateName(name)) {
      this.jobs.updateState(
        e.jobId,
        name,
        name === "JobStateFailed" ? errorMessage(e.payload) : "",
        time,
        TERMINAL_STATES.has(name),
      );
      return;
    }
    const key = [e.jobId, e.runId ?? 0, e.testName ?? "", e.testAttempt ?? 0] as const;
    switch (name) {
      case "RunStarted":
        this.runStart.run(e.jobId, e.runId ?? 0, time);
        break;
      case "RunEnded":
        this.runEnd.run(time, e.jobId, e.runId ?? 0);
        break;
      case "TestAttemptStarted":
        this.attemptStart.run(...key, time);
        break;
      case "TestAttemptEnded":
        this.attemptEnd.run(time, (e.payload as { Failed?: number } | undefined)?.Failed ?? null, ...key);
        break;
      case "TargetIn":
        this.targetIn.run(...key, e.stepLabel ?? "", e.target?.ID ?? "", target ?? "{}", time);
        break;
      case "TargetOut":
        this.targetOut.run(time, null, ...key, e.stepLabel ?? "", e.target?.ID ?? "");
        break;
      case "TargetErr":
        this.targetOut.run(time, errorMessage(e.payload), ...key, e.stepLabel ?? "", e.target?.ID ?? "");
        break;
    }
  }

  list(jobId: JobId, q: EventQuery): StoredEvent[] {
    const where = ["job_id = ?"];
    const args: unknown[] = [jobId];
    const add = (clause: string, v: unknown) => {
      if (v === undefined) return;
      where.push(clause);
      args.push(v);
    };
    add("run_id = ?", q.runId);
    add("test_name = ?", q.testName);
    add("step_label = ?", q.stepLabel);
    add("event_name = ?", q.eventName);
    add("target_id = ?", q.targetId);
    add("entity_type = ?", q.entityType);
    add("seq > ?", q.afterSeq);
    args.push(q.limit ?? -1);
    const sql = `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`;
    return (this.listBy.get(sql).all(...args) as EventRow[]).map(toStored);
  }

  getRuns(jobId: JobId): RunRecord[] {
    return (this.runs.all(jobId) as { run_id: number; start_time: number; end_time: number | null }[]).map((r) => ({
      runId: r.run_id,
      startTime: r.start_time,
      endTime: r.end_time,
    }));
  }

  getTestAttempts(jobId: JobId): TestAttemptRecord[] {
    type Row = {
      run_id: number;
      test_name: string;
      attempt: number;
      start_time: number;
      end_time: number | null;
      failed: number | null;
    };
    return (this.attempts.all(jobId) as Row[]).map((r) => ({
      runId: r.run_id,
      testName: r.test_name,
      attempt: r.attempt,
      startTime: r.start_time,
      endTime: r.end_time,
      failed: r.failed,
    }));
  }

  getTargetSteps(jobId: JobId): TargetStepRecord[] {
    type Row = {
      run_id: number;
      test_name: string;
      attempt: number;
      step_label: string;
      target: string;
      in_time: number | null;
      out_time: number | null;
      error: string | null;
    };
    return (this.targetSteps.all(jobId) as Row[]).map((r) => ({
      runId: r.run_id,
      testName: r.test_name,
      attempt: r.attempt,
      stepLabel: r.step_label,
      target: JSON.parse(r.target) as Target,
      inTime: r.in_time,
      outTime: r.out_time,
      error: r.error,
    }));
  }
}
