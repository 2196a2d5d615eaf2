/**
 * WebSocket subscribers of the event stream (GARM-style: connect, send {"send-everything":true}, then receive one
 * JSON message per log entry). Each one counts the messages carrying a seq above a mark and records the lag from
 * the message's event time to its receipt.
 */
import { WebSocket } from "ws";
import { Histogram, wallNow } from "./stats.js";

export const WS_PATH = "/api/v1/ws/events";
const HELLO = JSON.stringify({ "send-everything": true });
/** Batched delivery: each message is a JSON array of entries. */
const HELLO_BATCH = JSON.stringify({ "send-everything": true, batch: true });

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}${WS_PATH}`;
}

/** Whether the endpoint upgrades: { ok } or the HTTP status it answered instead. */
export function probe(url: string): Promise<{ ok: true } | { ok: false; why: string; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      ws.close();
      resolve({ ok: true });
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve({ ok: false, why: `HTTP ${res.statusCode}`, ...(res.statusCode ? { status: res.statusCode } : {}) });
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err) => resolve({ ok: false, why: err.message }));
  });
}

type Json = Record<string, unknown>;
const NESTS = ["payload", "Payload", "event", "Event", "data", "Data", "entry"];

/** The first of `keys` found on the message or on one of its usual wrappers. */
function pick(msg: Json, keys: string[]): unknown {
  for (const k of keys) if (msg[k] !== undefined && msg[k] !== null) return msg[k];
  for (const n of NESTS) {
    const inner = msg[n];
    if (typeof inner === "object" && inner !== null && !Array.isArray(inner)) {
      for (const k of keys) if ((inner as Json)[k] !== undefined) return (inner as Json)[k];
    }
  }
  return undefined;
}

function asMs(v: unknown): number | undefined {
  if (typeof v === "number") return v < 1e11 ? v * 1000 : v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof v === "object" && v !== null && "seconds" in v)
    return Number((v as Json).seconds) * 1000 + Number((v as Json).nanos ?? 0) / 1e6;
  return undefined;
}

export class Subscribers {
  readonly sockets: WebSocket[] = [];
  counts: Uint32Array = new Uint32Array(0);
  readonly lag = new Histogram();
  /** Messages counted only when their seq is above this. */
  afterSeq = Number.POSITIVE_INFINITY;
  first = Number.NaN;
  last = Number.NaN;
  /** Messages with no seq (acknowledgements, errors). */
  other = 0;
  lastOther = "";
  /** Messages with a seq but no event time. */
  untimed = 0;
  bytes = 0;
  counted = 0;

  /** Asks for batched delivery (ordo's "batch":true). */
  private batched = false;

  /** Connects `n` subscribers, 50 at a time, each sending the hello on open (`batched`: ask for arrays). */
  static async connect(url: string, n: number, batched = false): Promise<Subscribers> {
    const s = new Subscribers();
    s.batched = batched;
    s.counts = new Uint32Array(n);
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => s.open(url, i + j)));
    }
    return s;
  }

  private open(url: string, index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.sockets.push(ws);
      ws.once("open", () => {
        ws.send(this.batched ? HELLO_BATCH : HELLO);
        resolve();
      });
      ws.once("error", reject);
      ws.on("message", (data: Buffer) => this.receive(index, data));
    });
  }

  private receive(index: number, data: Buffer): void {
    const now = wallNow();
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString("utf8"));
    } catch {
      this.other++;
      return;
    }
    if (Array.isArray(msg)) {
      for (const entry of msg) this.count(index, entry, now, data.length / msg.length, data);
      return;
    }
    this.count(index, msg, now, data.length, data);
  }

  /** Counts one entry (a whole message, or one element of a batch). */
  private count(index: number, msg: unknown, now: number, bytes: number, data: Buffer): void {
    const m = (typeof msg === "object" && msg !== null ? msg : {}) as Json;
    const seq = Number(pick(m, ["seq", "Seq", "sequence"]));
    if (!Number.isFinite(seq)) {
      this.other++;
      this.lastOther = data.toString("utf8").slice(0, 200);
      return;
    }
    if (seq <= this.afterSeq) return;
    this.counts[index] = (this.counts[index] as number) + 1;
    this.counted++;
    this.bytes += bytes;
    if (Number.isNaN(this.first)) this.first = now;
    this.last = now;
    const time = asMs(pick(m, ["time", "Time", "EmitTime", "emit_time", "emitTime", "timestamp"]));
    if (time === undefined) this.untimed++;
    else this.lag.record(Math.max(0, now - time));
  }

  /** Starts counting: only messages with a seq above `seq` count from now on. */
  reset(seq: number): void {
    this.afterSeq = seq;
    this.counts.fill(0);
    this.first = Number.NaN;
    this.last = Number.NaN;
    this.counted = 0;
    this.bytes = 0;
  }

  /** Subscribers that received fewer than `expected`, and the total missing. */
  shortfall(expected: number): { subscribers: number; missing: number; extra: number } {
    let subscribers = 0;
    let missing = 0;
    let extra = 0;
    for (const c of this.counts) {
      if (c < expected) {
        subscribers++;
        missing += expected - c;
      } else extra += c - expected;
    }
    return { subscribers, missing, extra };
  }

  deliveriesPerS(): number {
    return this.counted / ((this.last - this.first) / 1000);
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
  }
}
