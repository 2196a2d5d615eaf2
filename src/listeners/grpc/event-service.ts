/**
 * ordo.v1.EventService handlers (proto/ordo/v1/events.proto): Subscribe and ListEvents over the event log, Pull on
 * a notification queue, Publish for forwarded logs. Each calls the same Api as the WebSocket; filters are validated
 * by the same parser, so both transports accept and refuse the same filters.
 */
import { once } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import type { Api } from "../../api/api.js";
import type { EventFilter, ForwardedEvent, QueueNotification, QueueReader } from "../../api/events.js";
import { OrdoError } from "../../errors.js";
import { parseFilterMessage } from "../../events/filter.js";
import { jobSummary, logEvent, type Timestamp, timestamp } from "./convert.js";
import { toServiceError } from "./errors.js";
import type { OpenStreams } from "./job-service.js";

const ANONYMOUS = "anonymous";
const DEFAULT_PAGE = 500;
const MAX_PAGE = 1000;
const DEFAULT_ACK_DEADLINE_MS = 60_000;
const MAX_ACK_DEADLINE_MS = 5 * 60_000;
const DEFAULT_MAX_OUTSTANDING = 100;
const MAX_OUTSTANDING = 1000;

export interface EventServiceOptions {
  /** The shortest ack deadline a reader may ask for (30 s; shorter only in tests). */
  minAckDeadlineMs?: number;
}

interface FilterMsg {
  send_everything: boolean;
  filters: { entity_type: string; operations: string[]; job_ids: string[]; event_names: string[] }[];
}
interface SubscribeRequest {
  filter: FilterMsg | null;
  from_seq?: number;
  snapshot: boolean;
  requestor: string;
}
interface ListEventsRequest {
  filter: FilterMsg | null;
  page_size: number;
  page_token: string;
  after_seq?: number;
  requestor: string;
}
interface PullRequest {
  open?: {
    queue: string;
    ack_deadline: { seconds: number; nanos: number } | null;
    max_outstanding: number;
    requestor: string;
  };
  ack?: { tokens: string[] };
}
interface EventMsg {
  seq: number;
  job_id: string;
  run_id: number;
  test_name: string;
  test_attempt: number;
  step_label: string;
  target: { id: string; fqdn: string; primary_ipv4: string; primary_ipv6: string } | null;
  event_name: string;
  payload_json: string;
  emit_time: Timestamp | null;
  entity_type: string;
  operation: string;
}
interface PublishRequest {
  source: string;
  events: EventMsg[];
  requestor: string;
}

/** An absent filter selects everything; a present one follows GARM's rules (empty = nothing). */
function filterOf(f: FilterMsg | null): EventFilter {
  if (!f) return { everything: true, selectors: [] };
  const msg = {
    "send-everything": f.send_everything,
    filters: f.filters.map((c) => ({
      "entity-type": c.entity_type || undefined,
      operations: c.operations,
      "job-ids": c.job_ids,
      "event-names": c.event_names,
    })),
  };
  return parseFilterMessage(msg).filter;
}

const TOKEN_PREFIX = "c1:";

function encodeToken(afterSeq: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${afterSeq}`).toString("base64url");
}

function decodeToken(token: string): number {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const seq = text.startsWith(TOKEN_PREFIX) ? Number(text.slice(TOKEN_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "page_token is not one this server issued", {
      field: "page_token",
    });
  return seq;
}

function forwarded(e: EventMsg): ForwardedEvent {
  let payload: unknown = null;
  try {
    payload = JSON.parse(e.payload_json || "null");
  } catch {
    payload = e.payload_json;
  }
  const t = e.emit_time;
  return {
    sourceSeq: e.seq,
    time: t ? Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6) : 0,
    entityType: e.entity_type,
    operation: e.operation,
    eventName: e.event_name,
    jobId: Number(e.job_id) || 0,
    coordinates: {
      runId: e.run_id || null,
      testName: e.test_name || null,
      testAttempt: e.test_name ? e.test_attempt : null,
      stepLabel: e.step_label || null,
      target: e.target ? { ID: e.target.id, FQDN: e.target.fqdn || undefined } : null,
    },
    payload,
  };
}

function notification(n: QueueNotification) {
  return {
    token: n.token,
    queue: n.queue,
    delivery_attempt: n.deliveryAttempt,
    deadline: timestamp(n.deadline),
    event: logEvent(n.event),
  };
}

function ackDeadlineMs(d: { seconds: number; nanos: number } | null, minMs: number): number {
  const ms = d ? Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6) : 0;
  if (ms === 0) return Math.max(DEFAULT_ACK_DEADLINE_MS, minMs);
  if (ms < minMs || ms > MAX_ACK_DEADLINE_MS)
    throw new OrdoError(
      "ORDO_ERR_ARGUMENT_INVALID",
      `ack_deadline must be between ${minMs / 1000}s and ${MAX_ACK_DEADLINE_MS / 1000}s`,
      { field: "ack_deadline" },
    );
  return ms;
}

type AnyCall = grpc.ServerWritableStream<unknown, object> | grpc.ServerDuplexStream<unknown, object>;

/** Runs a streaming call's body; ends it with the error (or the shutdown reason) unless the client cancelled. */
function runStream(call: AnyCall, streams: OpenStreams, body: (signal: AbortSignal) => Promise<void>): void {
  const abort = new AbortController();
  const forget = streams.add(abort);
  call.on("cancelled", () => abort.abort());
  body(abort.signal)
    .then(() => {
      if (abort.signal.reason instanceof OrdoError) throw abort.signal.reason;
      call.end();
    })
    .catch((err: unknown) => {
      if (call.cancelled) return;
      call.emit("error", toServiceError(abort.signal.reason instanceof OrdoError ? abort.signal.reason : err));
    })
    .finally(() => {
      forget();
      abort.abort(); // whatever the body left running (followers, queue readers) stops with the call
    });
}

async function send(call: AnyCall, msg: object, signal: AbortSignal): Promise<void> {
  if (!call.write(msg)) await once(call, "drain", { signal });
}

/** The Pull stream: the first request opens the queue, later ones acknowledge; replies are notifications/results. */
function pullStream(api: Api, call: grpc.ServerDuplexStream<PullRequest, object>, minAckMs: number) {
  return (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      let reader: Promise<QueueReader> | undefined;
      let acks: Promise<void> = Promise.resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
      // The client half-closing ends the stream once its acknowledgements are stored.
      call.on("end", () => acks.then(resolve, reject));
      call.on("data", (req: PullRequest) => {
        try {
          if (req.open) {
            if (reader) throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "open the queue once", { field: "open" });
            const o = req.open;
            reader = api.pull(o.requestor || ANONYMOUS, {
              queue: o.queue,
              ackDeadlineMs: ackDeadlineMs(o.ack_deadline, minAckMs),
              maxOutstanding: Math.min(o.max_outstanding || DEFAULT_MAX_OUTSTANDING, MAX_OUTSTANDING),
              signal,
            });
            reader
              .then(async (r) => {
                for await (const n of r.notifications) await send(call, { notification: notification(n) }, signal);
              })
              .catch(reject);
          } else if (req.ack) {
            const r = reader;
            if (!r) throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "open the queue first", { field: "ack" });
            const tokens = req.ack.tokens;
            acks = acks
              .then(async () => {
                const acknowledged = await (await r).ack(tokens);
                const ok = new Set(acknowledged);
                call.write({ ack_result: { acknowledged, rejected: tokens.filter((t) => !ok.has(t)) } });
              })
              .catch(reject);
          }
        } catch (err) {
          reject(err);
        }
      });
    });
}

export function eventServiceHandlers(
  api: Api,
  streams: OpenStreams,
  opts: EventServiceOptions = {},
): grpc.UntypedServiceImplementation {
  const minAckMs = opts.minAckDeadlineMs ?? 30_000;
  return {
    Subscribe: (call: grpc.ServerWritableStream<SubscribeRequest, object>) =>
      runStream(call, streams, async (signal) => {
        const r = call.request;
        const sub = await api.subscribe(r.requestor || ANONYMOUS, {
          filter: filterOf(r.filter),
          afterSeq: r.from_seq,
          snapshot: r.snapshot,
          signal,
        });
        if (sub.snapshot) {
          for (const job of sub.snapshot.jobs) await send(call, { snapshot_job: jobSummary(job) }, signal);
          await send(call, { snapshot_end: { seq: sub.snapshot.seq } }, signal);
        }
        for await (const batch of sub.batches) {
          let full = false;
          for (const e of batch) full = !call.write({ event: logEvent(e) }) || full;
          if (full) await once(call, "drain", { signal });
        }
      }),
    ListEvents: (call: grpc.ServerUnaryCall<ListEventsRequest, object>, callback: grpc.sendUnaryData<object>) => {
      const r = call.request;
      (async () => {
        const page = await api.readLog(r.requestor || ANONYMOUS, {
          filter: filterOf(r.filter),
          afterSeq: r.page_token ? decodeToken(r.page_token) : r.after_seq,
          limit: Math.min(r.page_size || DEFAULT_PAGE, MAX_PAGE),
        });
        return {
          events: page.events.map(logEvent),
          next_page_token: encodeToken(page.nextAfterSeq),
          more: page.more,
          head_seq: page.headSeq,
        };
      })().then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
    Pull: (call: grpc.ServerDuplexStream<PullRequest, object>) =>
      runStream(call, streams, pullStream(api, call, minAckMs)),
    Publish: (call: grpc.ServerUnaryCall<PublishRequest, object>, callback: grpc.sendUnaryData<object>) => {
      const r = call.request;
      api.publish(r.requestor, { source: r.source, events: r.events.map(forwarded) }).then(
        (res) => callback(null, { stored: res.stored, last_source_seq: res.lastSourceSeq }),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
  };
}
