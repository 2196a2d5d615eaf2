/**
 * `ordo events forward` (EngFlow's --forward): follows this server's log and publishes it, in batches, to another
 * server's EventService.Publish. The cursor (the last source seq handed over) is kept in a file under the data dir
 * and written after each acknowledged batch; at start the forwarder resumes after the later of that cursor and the
 * receiver's own record for this source, so a restart neither loses nor repeats entries (the receiver also skips
 * what it already holds). Entries that were themselves forwarded here are not forwarded again (no loops).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import type { WireEvent } from "../events/wire.js";
import { eventServiceClient } from "../listeners/grpc/proto.js";
import { ClientError, usageError } from "./client/errors.js";
import { transportFor } from "./client/transport.js";
import { followSocket } from "./events-socket.js";

const BATCH = 500;
const IDLE_FLUSH_MS = 100;
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);

export interface ForwardOptions {
  /** This server's HTTP address. */
  addr: string;
  /** grpc://host:port of the receiving server. */
  to: string;
  source?: string | undefined;
  dataDir: string;
  requestor?: string | undefined;
  signal: AbortSignal;
  log?: (line: string) => void;
}

interface Cursor {
  source: string;
  afterSeq: number;
}

type PublishFn = (req: object, cb: (err: grpc.ServiceError | null, res?: { last_source_seq: number }) => void) => void;

function target(to: string): string {
  const m = /^grpc:\/\/([^/]+)\/?$/.exec(to.trim());
  if (!m?.[1]) throw usageError(`--to must be grpc://host:port, not "${to}"`);
  return m[1];
}

export function cursorFile(dataDir: string, to: string): string {
  return join(dataDir, "forward", `${target(to).replace(/[^\w.-]/g, "_")}.json`);
}

function readCursor(file: string, source: string): number {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as Cursor;
    return c.source === source && Number.isSafeInteger(c.afterSeq) ? c.afterSeq : 0;
  } catch {
    return 0;
  }
}

function writeCursor(file: string, cursor: Cursor): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(cursor));
  renameSync(tmp, file);
}

/** A WebSocket message as an ordo.v1.Event. */
function toProto(e: WireEvent) {
  const ms = Date.parse(e.time);
  return {
    seq: e.seq,
    job_id: String(e["job-id"] ?? 0),
    run_id: e["run-id"] ?? 0,
    test_name: e["test-name"] ?? "",
    test_attempt: e["test-attempt"] ?? 0,
    step_label: e["step-label"] ?? "",
    target: e.target ? { id: e.target.ID, fqdn: e.target.FQDN ?? "" } : null,
    event_name: e["event-name"],
    payload_json: JSON.stringify(e.payload ?? null),
    emit_time: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
    entity_type: e["entity-type"],
    operation: e.operation,
  };
}

export async function forwardEvents(o: ForwardOptions): Promise<void> {
  const Client = eventServiceClient();
  const client = new Client(target(o.to), grpc.credentials.createInsecure());
  const requestor = o.requestor || "ordo-forward";
  const publishFn = (client as unknown as Record<string, PublishFn>).Publish as PublishFn;
  const publish = (source: string, events: WireEvent[]) =>
    new Promise<number>((resolve, reject) =>
      publishFn.call(client, { source, requestor, events: events.map(toProto) }, (err, res) =>
        err ? reject(err) : resolve(Number(res?.last_source_seq ?? 0)),
      ),
    );
  /** Publishes, retrying while the receiver is unavailable; other errors are fatal. */
  const publishRetrying = async (source: string, events: WireEvent[]): Promise<number> => {
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await publish(source, events);
      } catch (err) {
        const e = err as grpc.ServiceError;
        if (!RETRYABLE.has(e.code) || o.signal.aborted) throw new ClientError(`publish to ${o.to}: ${e.details}`);
        o.log?.(`publish to ${o.to} failed (${e.details}); retrying`);
        await sleep(delay);
      }
    }
  };
  try {
    const source = o.source ?? (await transportFor(o.addr, { requestor }).version()).ServerID;
    const file = cursorFile(o.dataDir, o.to);
    mkdirSync(join(o.dataDir, "forward"), { recursive: true });
    const received = await publishRetrying(source, []);
    let cursor = Math.max(readCursor(file, source), received);
    o.log?.(`forwarding ${o.addr} to ${o.to} as "${source}" after seq ${cursor}`);
    let batch: WireEvent[] = [];
    let publishing: Promise<void> = Promise.resolve();
    // A publish that fails for good stops following at once, whichever flush hit it.
    let fatal: unknown;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    o.signal.addEventListener("abort", onAbort, { once: true });
    const flush = () => {
      const events = batch;
      batch = [];
      publishing = publishing.then(async () => {
        if (events.length === 0 || fatal !== undefined) return; // never publish past a batch that failed
        const fresh = events.filter((e) => e["entity-type"] !== "eventsource");
        if (fresh.length > 0) await publishRetrying(source, fresh);
        cursor = events.at(-1)?.seq ?? cursor;
        writeCursor(file, { source, afterSeq: cursor });
      });
      publishing = publishing.catch((err: unknown) => {
        fatal ??= err;
        stop.abort();
      });
      return publishing;
    };
    const timer = setInterval(flush, IDLE_FLUSH_MS);
    try {
      await followSocket({
        addr: o.addr,
        filter: { "send-everything": true },
        fromSeq: cursor,
        requestor,
        signal: stop.signal,
        onEvent: async (e) => {
          batch.push(e);
          if (batch.length >= BATCH) await flush();
        },
        onReconnect: (after, reason) => o.log?.(`source connection lost (${reason}); resuming after seq ${after}`),
      });
    } finally {
      clearInterval(timer);
      o.signal.removeEventListener("abort", onAbort);
    }
    if (fatal === undefined) await flush();
    if (fatal !== undefined) throw fatal;
  } finally {
    client.close();
  }
}
