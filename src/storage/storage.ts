/**
 * The storage seam. The engine talks only to this interface; SQLite (src/storage/sqlite/) is the embedded default,
 * and a second backend implements the same contract. Writes resolve once committed.
 */

import type {
  ForwardedEvent,
  JobsSnapshot,
  LogBounds,
  LogPage,
  LogQuery,
  PublishResult,
  QueueNotification,
} from "../api/events.js";
import type {
  EntityType,
  EventQuery,
  JobId,
  JobQuery,
  JobStateName,
  JobSummary,
  LogEvent,
  Operation,
  Report,
  Target,
} from "../api/types.js";

export type { EntityType, Operation } from "../api/types.js";

export interface RetentionLimits {
  /** Entries older than this (ms) are removed; null = no age limit. */
  maxAgeMs: number | null;
  /** At most this many entries are kept; null = no count limit. */
  maxEvents: number | null;
}

export interface JobRetentionLimits {
  /** Finished jobs that ended longer ago than this (ms) are removed; null = no age limit. */
  maxAgeMs: number | null;
  /** At most this many finished jobs are kept; null = no count limit. */
  maxJobs: number | null;
}

export interface PruneResult {
  /** Entries removed by this call. */
  deleted: number;
  /** The newest seq removed so far (0: none). */
  prunedThrough: number;
  /** More entries are due: call again. */
  more: boolean;
}

export interface NewJob {
  name: string;
  requestor: string;
  serverId: string;
  descriptorRaw: string;
  descriptorResolved: string;
  tags: string[];
  retryOf?: JobId | undefined;
  idempotencyKey?: string | undefined;
}

export interface JobRecord {
  id: JobId;
  name: string;
  requestor: string;
  serverId: string;
  state: JobStateName;
  stateErr: string;
  descriptorRaw: string;
  descriptorResolved: string;
  submitTime: number;
  startTime: number | null;
  endTime: number | null;
  retryOf: JobId | null;
  /** JSON of a paused job's resume state. */
  resumeState: string | null;
  tags: string[];
}

export interface NewEvent {
  entityType: EntityType;
  operation: Operation;
  eventName: string;
  jobId: JobId;
  runId?: number | undefined;
  testName?: string | undefined;
  testAttempt?: number | undefined;
  stepLabel?: string | undefined;
  target?: Target | null | undefined;
  payload?: unknown;
  /** ms since epoch; defaults to now. */
  time?: number;
}

/** An entry of the event log (see LogEvent). */
export type StoredEvent = LogEvent;

export interface RunRecord {
  runId: number;
  startTime: number;
  endTime: number | null;
}

export interface TestAttemptRecord {
  runId: number;
  testName: string;
  attempt: number;
  startTime: number;
  endTime: number | null;
  /** Targets that failed the attempt, once it ended. */
  failed: number | null;
}

export interface TargetStepRecord {
  runId: number;
  testName: string;
  attempt: number;
  stepLabel: string;
  target: Target;
  inTime: number | null;
  outTime: number | null;
  error: string | null;
}

export interface NewReport {
  jobId: JobId;
  /** 0 for a final report. */
  runId: number;
  reporterName: string;
  success: boolean;
  data: unknown;
}

export interface CreateJobResult {
  id: JobId;
  /** The idempotency key matched an existing job; nothing new was stored. */
  existing: boolean;
}

/** Receives committed events, in sequence order, once per commit. */
export type CommitListener = (events: StoredEvent[]) => void;

export interface Storage {
  /** Stores a job request with its JobCreated event; resolves once committed. */
  createJob(job: NewJob): Promise<CreateJobResult>;
  getJob(id: JobId): Promise<JobRecord | undefined>;
  listJobs(query: JobQuery): Promise<JobSummary[]>;
  /** Jobs of a server left in one of these states (for resume and recovery). */
  jobsInStates(serverId: string, states: JobStateName[]): Promise<JobRecord[]>;

  /** Appends events and updates the state rows they imply (job state, runs, attempts, target steps) in one commit. */
  appendEvents(events: NewEvent[]): Promise<StoredEvent[]>;
  /**
   * Appends events without a promise to wait on: they commit in order with every other write, and a failure
   * (not a storage fault, which is waited out) goes to `onError`. Cheaper than appendEvents for the runner's
   * step progress, since consecutive calls share one queued write.
   */
  emitEvents(events: NewEvent[], onError: (err: unknown) => void): void;
  listEvents(jobId: JobId, query: EventQuery): Promise<StoredEvent[]>;

  getRuns(jobId: JobId): Promise<RunRecord[]>;
  getTestAttempts(jobId: JobId): Promise<TestAttemptRecord[]>;
  getTargetSteps(jobId: JobId): Promise<TargetStepRecord[]>;

  /** Stores a paused job's resume state and its JobStatePaused event in one commit. */
  pauseJob(jobId: JobId, resumeState: unknown, payload: unknown): Promise<void>;
  /** Removes every target lock the job holds (for a job that will not run again). */
  unlockAll(jobId: JobId): Promise<void>;

  /** Stores a report and its event in one commit. */
  addReport(report: NewReport): Promise<void>;
  getReports(jobId: JobId): Promise<Report[]>;

  /**
   * Locks all of the targets for the job, or none: resolves to the IDs held by other jobs when any is taken.
   * Expired locks are taken over.
   */
  lockTargets(jobId: JobId, targetIds: string[], ttlMs: number): Promise<string[]>;
  refreshLocks(jobId: JobId, targetIds: string[], ttlMs: number): Promise<void>;
  unlockTargets(jobId: JobId, targetIds: string[]): Promise<void>;

  /** Follows the log: every committed event, in sequence order, exactly once. Returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void;

  // The event store (issue 4): the global log, retention, notification queues, forwarded logs.
  /** The newest seq, and the newest one retention removed. */
  logBounds(): Promise<LogBounds>;
  /** A page of the global log after a cursor; ORDO_ERR_CURSOR_TOO_OLD when retention passed the cursor. */
  readLog(query: LogQuery): Promise<LogPage>;
  /** Current job summaries (all, or the given IDs) and the seq they are consistent with. */
  snapshotJobs(jobIds?: JobId[]): Promise<JobsSnapshot>;
  /** Removes one batch of entries past the retention limits. */
  pruneEvents(limits: RetentionLimits, batch?: number): Promise<PruneResult>;
  /** Removes finished jobs past the limits (with their state rows), a batch at a time. */
  pruneJobs(limits: JobRetentionLimits, batch?: number): Promise<{ deleted: number; more: boolean }>;
  /** Delivers up to `max` ready notifications of a queue to one reader, until now + leaseMs. */
  leaseNotifications(queue: string, leaseMs: number, max: number): Promise<QueueNotification[]>;
  /** Acknowledges deliveries; resolves with the tokens that were current. */
  ackNotifications(queue: string, tokens: string[]): Promise<string[]>;
  /** When the next unacknowledged delivery of the queue falls due again (ms since epoch), if any. */
  nextNotificationExpiry(queue: string): Promise<number | null>;
  /** Stores another server's forwarded entries as `eventsource` entries, skipping those already stored. */
  ingestEvents(source: string, events: ForwardedEvent[]): Promise<PublishResult>;

  close(): Promise<void>;
}
