/**
 * The API core (ConTest's pkg/api): each call becomes an event on a channel to the JobManager and waits for its
 * reply. Both the hand-off and the wait are bounded by the event timeout; a timeout is ORDO_ERR_TIMEOUT.
 * This module knows no transport.
 */
import pTimeout from "p-timeout";
import { OrdoError } from "../errors.js";
import { Channel } from "./channel.js";
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

  constructor(opts: ApiOptions) {
    this.serverId = opts.serverId;
    this.eventTimeoutMs = opts.eventTimeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS;
    this.events = new Channel(opts.channelCapacity ?? 1024);
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

  private async call<K extends ApiRequestType>(request: Extract<ApiRequest, { type: K }>): Promise<ApiReplies[K]> {
    validateRequestor(request.requestor);
    const timeout = (what: string) =>
      new OrdoError("ORDO_ERR_TIMEOUT", `${request.type}: timed out after ${this.eventTimeoutMs}ms ${what}`);
    let settle!: { reply: (r: ApiReplies[K]) => void; fail: (e: unknown) => void };
    const replied = new Promise<ApiReplies[K]>((reply, fail) => {
      settle = { reply, fail };
    });
    const event = { request, ...settle } as unknown as ApiEvent;
    if (this.events.isClosed) throw new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down");
    // The common case, room in the channel, hands off at once; only a full channel waits (bounded).
    if (!this.events.trySend(event)) {
      const handoff = new AbortController();
      await pTimeout(this.events.send(event, handoff.signal), {
        milliseconds: this.eventTimeoutMs,
        fallback: () => {
          // The channel stayed full for the whole event timeout: the job manager is saturated.
          const err = new OrdoError(
            "ORDO_ERR_OVERLOADED",
            `${request.type}: the server is overloaded (${this.events.length} requests waiting for the job manager); retry later`,
          );
          handoff.abort(err);
          throw err;
        },
      });
    }
    // Our error is built only on a timeout (fallback). p-timeout still makes a TimeoutError up front for its own
    // message, which we never use: skip its stack capture, the costliest part of a call on the hot path.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return pTimeout(replied, {
        milliseconds: this.eventTimeoutMs,
        fallback: () => {
          throw timeout("waiting for the reply");
        },
      });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}
