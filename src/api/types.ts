/**
 * Glossary
 * - job: one submitted descriptor; runs its tests `Runs` times (0 = until stopped).
 * - run: one pass over all of a job's tests, numbered from 1.
 * - test: a named list of steps applied to the targets a target manager acquires.
 * - attempt: one try of a test within a run; `RetryParameters` allow more (numbered from 0).
 * - step: one plugin invocation (cmd, echo, sleep...) identified by its label.
 * - target: a machine under test; locked by one job at a time.
 * - event: an entry of the append-only log, with a global, strictly increasing sequence number.
 * - requestor: who asked, as declared by the client (1-32 chars).
 */

export const API_VERSION = 5;

/** ConTest's job states, with ConTest's numeric values. */
export const JobState = {
  JobStateUnknown: 0,
  JobStateStarted: 1,
  JobStateCompleted: 2,
  JobStateFailed: 3,
  JobStatePaused: 4,
  JobStatePauseFailed: 5,
  JobStateCancelling: 6,
  JobStateCancelled: 7,
  JobStateCancellationFailed: 8,
} as const;
export type JobStateName = keyof typeof JobState;
export const JOB_STATE_NAMES = Object.keys(JobState) as JobStateName[];
export const TERMINAL_STATES: ReadonlySet<JobStateName> = new Set([
  "JobStateCompleted",
  "JobStateFailed",
  "JobStateCancelled",
  "JobStateCancellationFailed",
  "JobStatePauseFailed",
]);

export function isJobStateName(s: string): s is JobStateName {
  return Object.hasOwn(JobState, s);
}

export type JobId = number;

/** A machine under test. */
export interface Target {
  ID: string;
  FQDN?: string;
  PrimaryIPv4?: string;
  PrimaryIPv6?: string;
}

/** A test event as the Status tree and the events API show it (ConTest's field names). */
export interface TestEvent {
  Seq: number;
  JobID: JobId;
  RunID: number;
  TestName: string;
  TestAttempt: number;
  TestStepLabel: string;
  Target: Target | null;
  EventName: string;
  Payload: unknown;
  EmitTime: string;
}

export type EntityType = "job" | "run" | "test" | "step" | "target" | "report" | "trigger" | "eventsource";
export type Operation = "create" | "update" | "delete";

/** One entry of the append-only event log, as followers receive it. */
export interface LogEvent {
  seq: number;
  /** ms since epoch */
  time: number;
  entityType: EntityType;
  operation: Operation;
  eventName: string;
  jobId: JobId;
  runId: number | null;
  testName: string | null;
  testAttempt: number | null;
  stepLabel: string | null;
  target: Target | null;
  payload: unknown;
}

export interface Report {
  JobID: JobId;
  RunID: number;
  ReporterName: string;
  ReportTime: string;
  Success: boolean;
  Data: unknown;
}

export interface TargetStatus {
  Target: Target;
  InTime: string | null;
  OutTime: string | null;
  Error: string | null;
  Events?: TestEvent[];
}

export interface TestStepStatus {
  TestStepName: string;
  TestStepLabel: string;
  Events: TestEvent[];
  TargetStatuses: TargetStatus[];
}

export interface TestStatus {
  TestName: string;
  TestAttempt: number;
  TestStepStatuses: TestStepStatus[];
  TargetStatuses: TargetStatus[];
}

export interface RunStatus {
  JobID: JobId;
  RunID: number;
  StartTime: string;
  EndTime: string | null;
  TestStatuses: TestStatus[];
}

export interface JobReport {
  JobID: JobId;
  RunReports: Report[][];
  FinalReports: Report[];
}

export interface JobStatus {
  JobID: JobId;
  Name: string;
  Requestor: string;
  ServerID: string;
  Tags: string[];
  State: JobStateName;
  StateErrMsg: string;
  SubmitTime: string;
  StartTime: string | null;
  EndTime: string | null;
  RetryOf: JobId | null;
  /** 1-based place in the queue while the job waits for capacity; null once it runs. */
  QueuePosition: number | null;
  RunStatuses: RunStatus[];
  JobReport: JobReport;
}

export interface JobQuery {
  states?: JobStateName[];
  /** All of these tags. */
  tags?: string[];
  requestor?: string;
  /** Page: jobs with ID below this cursor (newest first when set by REST). */
  limit?: number;
  afterId?: JobId;
}

export interface JobSummary {
  JobID: JobId;
  Name: string;
  State: JobStateName;
  Requestor: string;
  Tags: string[];
  SubmitTime: string;
  StartTime: string | null;
  EndTime: string | null;
  /** 1-based place in the queue while the job waits for capacity; null otherwise. */
  QueuePosition: number | null;
}

export interface EventQuery {
  runId?: number;
  testName?: string;
  stepLabel?: string;
  eventName?: string;
  targetId?: string;
  entityType?: string;
  afterSeq?: number;
  limit?: number;
}

export interface StartResult {
  JobID: JobId;
  /** True when an Idempotency-Key matched an earlier submission and no new job was made. */
  Existing: boolean;
}

export interface RetryResult {
  JobID: JobId;
  NewJobID: JobId;
}
