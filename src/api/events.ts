/**
 * The event store's vocabulary (issue 4), shared by the Api, the engine, storage and the transports.
 * - filter: which log entries a follower wants: everything, or any of a list of selectors (GARM's filters).
 * - cursor: a sequence number; a follower resumes with the entries after it.
 * - retention: entries older than the configured age/size are pruned; a cursor below the pruned range is "too old".
 * - queue: a named notification queue (EngFlow's): each notification goes to one reader, which acknowledges it
 *   with its token within its deadline, or it is delivered again.
 * - source: another server forwarding its log here (`ordo events forward`); its entries are stored as `eventsource`.
 */
import { OrdoError } from "../errors.js";
import type { EntityType, JobId, JobSummary, LogEvent, Operation } from "./types.js";

export const ENTITY_TYPES: readonly EntityType[] = [
  "job",
  "run",
  "test",
  "step",
  "target",
  "report",
  "trigger",
  "eventsource",
];
export const OPERATIONS: readonly Operation[] = ["create", "update", "delete"];

/** One clause of a filter: every given field must match; an absent or empty field matches anything. */
export interface EventSelector {
  entityType?: EntityType;
  operations?: Operation[];
  jobIds?: JobId[];
  eventNames?: string[];
}

/** `everything` wins over `selectors`; no selectors and not everything selects nothing (GARM's default). */
export interface EventFilter {
  everything: boolean;
  selectors: EventSelector[];
}

export const EVERYTHING: EventFilter = Object.freeze({ everything: true, selectors: [] });

/** What a filter looks at. */
export type FilterFields = Pick<LogEvent, "entityType" | "operation" | "jobId" | "eventName">;

/** Compiles a filter into a predicate on log entries. */
export function compileFilter(filter: EventFilter): (e: FilterFields) => boolean {
  if (filter.everything) return () => true;
  const tests = filter.selectors.map((s) => {
    const ops = s.operations ? new Set<string>(s.operations) : undefined;
    const jobs = s.jobIds ? new Set(s.jobIds) : undefined;
    const names = s.eventNames ? new Set(s.eventNames) : undefined;
    return (e: FilterFields) =>
      (s.entityType === undefined || s.entityType === e.entityType) &&
      (ops === undefined || ops.has(e.operation)) &&
      (jobs === undefined || jobs.has(e.jobId)) &&
      (names === undefined || names.has(e.eventName));
  });
  return (e) => tests.some((t) => t(e));
}

/** The job IDs a filter is limited to, or undefined when it may select entries of any job. */
export function jobIdsOf(filter: EventFilter): JobId[] | undefined {
  if (filter.everything) return undefined;
  const ids = new Set<JobId>();
  for (const s of filter.selectors) {
    if (!s.jobIds) return undefined;
    for (const id of s.jobIds) ids.add(id);
  }
  return [...ids];
}

/** Where the log stands: `headSeq` is the newest entry, `prunedThrough` the newest one retention removed (0: none). */
export interface LogBounds {
  headSeq: number;
  prunedThrough: number;
}

function tooOld(afterSeq: number, prunedThrough: number): OrdoError {
  return new OrdoError(
    "ORDO_ERR_CURSOR_TOO_OLD",
    `cursor ${afterSeq} is too old: retention removed the events through seq ${prunedThrough}; ` +
      `resume after seq ${prunedThrough} or later`,
    { field: "from-seq" },
  );
}

/** Checks a cursor against the log's bounds: too old (retention passed it), or beyond the newest entry. */
export function checkCursor(afterSeq: number, bounds: LogBounds): void {
  if (afterSeq < bounds.prunedThrough) throw tooOld(afterSeq, bounds.prunedThrough);
  if (afterSeq > bounds.headSeq)
    throw new OrdoError(
      "ORDO_ERR_ARGUMENT_INVALID",
      `cursor ${afterSeq} is beyond the end of the log (newest seq ${bounds.headSeq})`,
      { field: "from-seq" },
    );
}

export interface LogQuery {
  /** Entries after this seq; below `prunedThrough` is ORDO_ERR_CURSOR_TOO_OLD. */
  afterSeq: number;
  limit: number;
  filter: EventFilter;
}

export interface LogPage {
  events: LogEvent[];
  /** The cursor after this page: the last entry scanned (selected or not), so the next read starts past it. */
  nextAfterSeq: number;
  /** More entries were already in the log when this page was read. */
  more: boolean;
  /** The newest seq when this page was read. */
  headSeq: number;
}

/** A page request as clients make it: without a cursor, from the oldest retained entry. */
export type ReadLogQuery = Omit<LogQuery, "afterSeq"> & { afterSeq?: number | undefined };

/** Current job states and the seq they are consistent with: events after `seq` come after the snapshot. */
export interface JobsSnapshot {
  seq: number;
  jobs: JobSummary[];
}

export interface SubscribeQuery {
  filter: EventFilter;
  /** Resume after this seq; undefined = live from the head of the log (or from the snapshot). */
  afterSeq?: number | undefined;
  /** Send the current job states first, then the events after them. */
  snapshot?: boolean;
  signal: AbortSignal;
}

export interface Subscription {
  snapshot?: JobsSnapshot;
  /** The seq the stream starts after. */
  afterSeq: number;
  /** The selected entries, in seq order, a batch at a time (a log page, or what committed since the last pull). */
  batches: AsyncIterable<LogEvent[]>;
}

export interface QueueNotification {
  queue: string;
  /** Acknowledges this delivery; a later delivery of the same notification has a new token. */
  token: string;
  /** 1 on the first delivery. */
  deliveryAttempt: number;
  /** ms since epoch: unacknowledged by then, it is delivered again. */
  deadline: number;
  event: LogEvent;
}

export interface PullQuery {
  queue: string;
  ackDeadlineMs: number;
  /** Notifications delivered to this reader and not yet acknowledged, at most. */
  maxOutstanding: number;
  signal: AbortSignal;
}

export interface QueueReader {
  notifications: AsyncIterable<QueueNotification>;
  /** Acknowledges deliveries; resolves with the tokens that were current (the rest had expired or were unknown). */
  ack(tokens: string[]): Promise<string[]>;
}

/** An entry of another server's log, as forwarded to this one. */
export interface ForwardedEvent {
  /** Its seq in the source's log: ingestion skips what it already has, so a resent batch stores nothing twice. */
  sourceSeq: number;
  time: number;
  entityType: string;
  operation: string;
  eventName: string;
  jobId: number;
  coordinates: Record<string, unknown>;
  payload: unknown;
}

export interface PublishQuery {
  source: string;
  events: ForwardedEvent[];
}

export interface PublishResult {
  stored: number;
  /** The newest source seq this server holds from the source (0: none): where a forwarder resumes. */
  lastSourceSeq: number;
}
