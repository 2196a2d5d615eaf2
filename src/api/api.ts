/**
 * The API core (ConTest's pkg/api): each call becomes an event on a channel to the JobManager and waits for its
 * reply. Both the hand-off and the wait are bounded by the event timeout; a timeout is ORDO_ERR_TIMEOUT.
 * This module knows no transport.
 */
import { OrdoError } from "../errors.js";
import { Channel } from "./channel.js";
import { Deadlines, type Wait } from "./deadlines.js";
import type {
  LogPage,
  PublishQuery,
  PublishResult,
  PullQuery,
  QueueReader,
  ReadLogQuery,
  SubscribeQuery,
  Subscription,
} from "./events.js";
import {
  API_VERSION,
  type EventQuery,
  type JobId,
  type JobQuery,
  type JobReport,
  type JobStatus,
  type JobSummary,
  type LogEvent,
  type RetryResult,
  type StartResult,
  type TestEvent,
} from "./types.js";

export const DEFAULT_EVENT_TIMEOUT_MS = 3000;
const REQUESTOR_MAX = 32;

/** What a caller asks; `requestor` is checked before anything is sent. */
export type ApiRequest =
  | {
      type: "start";
      requestor: string;
      descriptor: string | Record<string, unknown>;
      idempotencyKey?: string | undefined;
    }
  | { type: "stop"; requestor: string; jobId: JobId }
  | { type: "status"; requestor: string; jobId: JobId }
  | { type: "retry"; requestor: string; jobId: JobId }
  | { type: "list"; requestor: string; query: JobQuery }
  | { type: "events"; requestor: string; jobId: JobId; query: EventQuery }
  | { type: "report"; requestor: string; jobId: JobId }
  | { type: "watch"; requestor: string; jobId: JobId; afterSeq: number; signal: AbortSignal }
  // The event store (issue 4).
  | { type: "subscribe"; requestor: string; query: SubscribeQuery }
  | { type: "readLog"; requestor: string; query: ReadLogQuery }
  | { type: "pull"; requestor: string; query: PullQuery }
  | { type: "publish"; requestor: string; query: PublishQuery };

export interface ApiReplies {
  start: StartResult;
  stop: Record<string, never>;
  status: JobStatus;
  retry: RetryResult;
  list: JobSummary[];
  events: TestEvent[];
  report: JobReport;
  watch: AsyncIterable<LogEvent>;
  subscribe: Subscription;
  readLog: LogPage;
  pull: QueueReader;
  publish: PublishResult;
}

export type ApiRequestType = ApiRequest["type"];

/** One event on the channel: the request and where its reply goes. */
export interface ApiEvent<K extends ApiRequestType = ApiRequestType> {
  request: Extract<ApiRequest, { type: K }>;
  reply: (result: ApiReplies[K]) => void;
  fail: (err: unknown) => void;
}

export interface ApiOptions {
  serverId: string;
  eventTimeoutMs?: number;
  /** Events waiting to be taken by the JobManager before senders wait. */
  channelCapacity?: number;
}

export function validateRequestor(requestor: unknown): string {
  if (typeof requestor !== "string" || requestor.length === 0)
    throw new OrdoError("ORDO_ERR_REQUESTOR_INVALID", "requestor is required", { field: "requestor" });
  if (requestor.length > REQUESTOR_MAX)
    throw new OrdoError("ORDO_ERR_REQUESTOR_INVALID", `requestor is longer than ${REQUESTOR_MAX} characters`, {
      field: "requestor",
    });
  return requestor;
}

/** Parses a job ID given as text or number: a positive integer. */
export function parseJobId(raw: unknown): JobId {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1)
    throw new OrdoError(
      "ORDO_ERR_JOB_ID_INVALID",
      `invalid job ID ${JSON.stringify(raw ?? "")}: must be a positive integer`,
      {
        field: "jobID",
      },
    );
  return Number(text);
}

export class Api {
  readonly serverId: string;
  readonly eventTimeoutMs: number;
  readonly events: Channel<ApiEvent>;
  /** The bounds of every hand-off and reply wait: one timer for all of them. */
  readonly deadlines: Deadlines;
  /** Checked once: the timeout is fixed for the Api's life. */
  private readonly timeoutIsValid: boolean;

  constructor(opts: ApiOptions) {
    this.serverId = opts.serverId;
    this.eventTimeoutMs = opts.eventTimeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS;
    this.events = new Channel(opts.channelCapacity ?? 1024);
    this.deadlines = new Deadlines(this.eventTimeoutMs);
    this.timeoutIsValid = typeof this.eventTimeoutMs === "number" && Math.sign(this.eventTimeoutMs) === 1;
  }

  version(): { Version: number } {
    return { Version: API_VERSION };
  }

  start(
    requestor: string,
    descriptor: string | Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<StartResult> {
    return this.call({ type: "start", requestor, descriptor, idempotencyKey });
  }
  stop(requestor: string, jobId: JobId): Promise<Record<string, never>> {
    return this.call({ type: "stop", requestor, jobId });
  }
  status(requestor: string, jobId: JobId): Promise<JobStatus> {
    return this.call({ type: "status", requestor, jobId });
  }
  retry(requestor: string, jobId: JobId): Promise<RetryResult> {
    return this.call({ type: "retry", requestor, jobId });
  }
  list(requestor: string, query: JobQuery): Promise<JobSummary[]> {
    return this.call({ type: "list", requestor, query });
  }
  jobEvents(requestor: string, jobId: JobId, query: EventQuery): Promise<TestEvent[]> {
    return this.call({ type: "events", requestor, jobId, query });
  }
  report(requestor: string, jobId: JobId): Promise<JobReport> {
    return this.call({ type: "report", requestor, jobId });
  }
  /** The job's events after `afterSeq`, then live until it ends; stops when `signal` aborts. */
  watch(requestor: string, jobId: JobId, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<LogEvent>> {
    return this.call({ type: "watch", requestor, jobId, afterSeq, signal });
  }

  // The event store (issue 4).
  /** The log's entries that the filter selects, after a cursor (or from now), then live; optionally a snapshot first. */
  subscribe(requestor: string, query: SubscribeQuery): Promise<Subscription> {
    return this.call({ type: "subscribe", requestor, query });
  }
  /** One page of the log after a cursor. */
  readLog(requestor: string, query: ReadLogQuery): Promise<LogPage> {
    return this.call({ type: "readLog", requestor, query });
  }
  /** Joins a notification queue as one of its competing readers. */
  pull(requestor: string, query: PullQuery): Promise<QueueReader> {
    return this.call({ type: "pull", requestor, query });
  }
  /** Stores entries another server forwarded from its log. */
  publish(requestor: string, query: PublishQuery): Promise<PublishResult> {
    return this.call({ type: "publish", requestor, query });
  }

  private call<K extends ApiRequestType>(request: Extract<ApiRequest, { type: K }>): Promise<ApiReplies[K]> {
    try {
      validateRequestor(request.requestor);
      if (this.events.isClosed) throw new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down");
    } catch (err) {
      return Promise.reject(err);
    }
    const call = new PendingCall(request, this);
    // The common case, room in the channel, hands off at once; only a full channel waits (bounded).
    if (this.events.trySend(call)) call.awaitReply();
    else this.handOff(call);
    return call.promise as Promise<ApiReplies[K]>;
  }

  /** Waits (bounded) for room in a full channel, then for the reply. */
  private handOff(call: PendingCall): void {
    if (this.badTimeout(call)) return;
    const handoff = new AbortController();
    const wait = this.deadlines.add(() => {
      // The channel stayed full for the whole event timeout: the job manager is saturated.
      handoff.abort(
        new OrdoError(
          "ORDO_ERR_OVERLOADED",
          `${call.request.type}: the server is overloaded (${this.events.length} requests waiting for the job manager); retry later`,
        ),
      );
    });
    this.events.send(call, handoff.signal).then(
      () => {
        this.deadlines.cancel(wait);
        call.awaitReply();
      },
      (err: unknown) => call.fail(err),
    );
  }

  /** As p-timeout did: a timeout that is not a positive number fails the call (after the hand-off). */
  badTimeout(call: PendingCall): boolean {
    if (this.timeoutIsValid) return false;
    call.fail(new TypeError(`Expected \`milliseconds\` to be a positive number, got \`${this.eventTimeoutMs}\``));
    return true;
  }
}

/** One request on its way: the event the job manager answers, and the caller's promise, bounded by the timeout. */
class PendingCall implements ApiEvent {
  readonly request: ApiRequest;
  readonly promise: Promise<unknown>;
  private resolve!: (value: unknown) => void;
  private reject!: (err: unknown) => void;
  private readonly api: Api;
  private wait: Wait | undefined;
  private settled = false;

  constructor(request: ApiRequest, api: Api) {
    this.request = request;
    this.api = api;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Starts the reply's bound, once the request is in the channel (unless it was answered already). */
  awaitReply(): void {
    if (this.settled || this.api.badTimeout(this)) return;
    this.wait = this.api.deadlines.add(() => this.timedOut());
  }

  // ApiEvent's reply: typed loosely here, as the channel carries every kind of request.
  reply(result: unknown): void {
    if (this.settle()) this.resolve(result);
  }

  fail(err: unknown): void {
    if (this.settle()) this.reject(err);
  }

  private timedOut(): void {
    this.wait = undefined;
    const ms = this.api.eventTimeoutMs;
    this.fail(new OrdoError("ORDO_ERR_TIMEOUT", `${this.request.type}: timed out after ${ms}ms waiting for the reply`));
  }

  /** True the first time: a late reply after a timeout is dropped, as before. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.wait) this.api.deadlines.cancel(this.wait);
    return true;
  }
}
