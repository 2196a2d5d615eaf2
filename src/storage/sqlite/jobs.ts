/** Statements on jobs and job_tags. */
import type Database from "better-sqlite3";
import type { JobId, JobQuery, JobStateName, JobSummary } from "../../api/types.js";
import type { JobRecord, NewJob } from "../storage.js";

interface JobRow {
  id: number;
  name: string;
  requestor: string;
  server_id: string;
  state: string;
  state_err: string;
  descriptor_raw: string;
  descriptor_resolved: string;
  submit_time: number;
  start_time: number | null;
  end_time: number | null;
  retry_of: number | null;
  resume_state: string | null;
  tags: string | null;
}

const SELECT_JOB = `SELECT j.*, (SELECT group_concat(tag, ',') FROM job_tags t WHERE t.job_id = j.id) AS tags FROM jobs j`;

function toRecord(r: JobRow): JobRecord {
  return {
    id: r.id,
    name: r.name,
    requestor: r.requestor,
    serverId: r.server_id,
    state: r.state as JobStateName,
    stateErr: r.state_err,
    descriptorRaw: r.descriptor_raw,
    descriptorResolved: r.descriptor_resolved,
    submitTime: r.submit_time,
    startTime: r.start_time,
    endTime: r.end_time,
    retryOf: r.retry_of,
    resumeState: r.resume_state,
    tags: r.tags ? r.tags.split(",").sort() : [],
  };
}

export function toSummary(r: JobRecord): JobSummary {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    JobID: r.id,
    Name: r.name,
    State: r.state,
    Requestor: r.requestor,
    Tags: r.tags,
    SubmitTime: new Date(r.submitTime).toISOString(),
    StartTime: iso(r.startTime),
    EndTime: iso(r.endTime),
    QueuePosition: null,
  };
}

export class JobStatements {
  private readonly insert: Database.Statement;
  private readonly insertTag: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly byKey: Database.Statement;
  private readonly setState: Database.Statement;
  private readonly setResume: Database.Statement;
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    this.insert = db.prepare(`INSERT INTO jobs (name, requestor, server_id, state, descriptor_raw, descriptor_resolved,
      submit_time, retry_of, idempotency_key) VALUES (?, ?, ?, 'JobStateUnknown', ?, ?, ?, ?, ?)`);
    this.insertTag = db.prepare("INSERT INTO job_tags (job_id, tag) VALUES (?, ?)");
    this.byId = db.prepare(`${SELECT_JOB} WHERE j.id = ?`);
    this.byKey = db.prepare("SELECT id FROM jobs WHERE requestor = ? AND idempotency_key = ?");
    // Start time is set by the first JobStateStarted; end time by any terminal state.
    this.setState = db.prepare(`UPDATE jobs SET state = @state, state_err = @err,
      start_time = CASE WHEN @state = 'JobStateStarted' AND start_time IS NULL THEN @time ELSE start_time END,
      end_time = CASE WHEN @terminal THEN @time ELSE end_time END,
      resume_state = CASE WHEN @state = 'JobStatePaused' THEN resume_state ELSE NULL END WHERE id = @id`);
    this.setResume = db.prepare("UPDATE jobs SET resume_state = ? WHERE id = ?");
  }

  /** Inside a transaction. Returns the existing job's ID when the idempotency key is already used. */
  create(job: NewJob, now: number): { id: JobId; existing: boolean } {
    if (job.idempotencyKey !== undefined) {
      const found = this.byKey.get(job.requestor, job.idempotencyKey) as { id: number } | undefined;
      if (found) return { id: found.id, existing: true };
    }
    const id = Number(
      this.insert.run(
        job.name,
        job.requestor,
        job.serverId,
        job.descriptorRaw,
        job.descriptorResolved,
        now,
        job.retryOf ?? null,
        job.idempotencyKey ?? null,
      ).lastInsertRowid,
    );
    for (const tag of job.tags) this.insertTag.run(id, tag);
    return { id, existing: false };
  }

  get(id: JobId): JobRecord | undefined {
    const row = this.byId.get(id) as JobRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  updateState(id: JobId, state: JobStateName, err: string, time: number, terminal: boolean): void {
    this.setState.run({ id, state, err, time, terminal: terminal ? 1 : 0 });
  }

  /** Inside a transaction, before the JobStatePaused event. */
  saveResumeState(id: JobId, state: unknown): void {
    this.setResume.run(JSON.stringify(state), id);
  }

  list(q: JobQuery): JobRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.states && q.states.length > 0) {
      where.push(`j.state IN (${q.states.map(() => "?").join(",")})`);
      args.push(...q.states);
    }
    for (const tag of q.tags ?? []) {
      where.push("EXISTS (SELECT 1 FROM job_tags t WHERE t.job_id = j.id AND t.tag = ?)");
      args.push(tag);
    }
    if (q.requestor !== undefined) {
      where.push("j.requestor = ?");
      args.push(q.requestor);
    }
    if (q.afterId !== undefined) {
      where.push("j.id > ?");
      args.push(q.afterId);
    }
    const sql = `${SELECT_JOB} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY j.id ${
      q.limit !== undefined ? "LIMIT ?" : ""
    }`;
    if (q.limit !== undefined) args.push(q.limit);
    // Filters vary per call; better-sqlite3 caches nothing here, but List is not a hot path.
    return (this.db.prepare(sql).all(...args) as JobRow[]).map(toRecord);
  }

  inStates(serverId: string, states: JobStateName[]): JobRecord[] {
    const sql = `${SELECT_JOB} WHERE j.server_id = ? AND j.state IN (${states.map(() => "?").join(",")}) ORDER BY j.id`;
    return (this.db.prepare(sql).all(serverId, ...states) as JobRow[]).map(toRecord);
  }
}
