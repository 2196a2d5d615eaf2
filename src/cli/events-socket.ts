/**
 * Follows a server's event log over its WebSocket (GET /api/v1/ws/events) for the CLI: sends the filter, hands
 * each event to the caller in order, and when the connection drops (server restart, network) reconnects and
 * resumes after the last seq it received, so nothing is missed or repeated. An invalid filter or a cursor behind
 * retention is fatal. A slow handler pauses the socket instead of queueing without bound.
 */
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import type { WireError, WireEvent } from "../events/wire.js";
import { ClientError, EXIT_USAGE, usageError } from "./client/errors.js";

export const WS_EVENTS_PATH = "/api/v1/ws/events";
const PAUSE_AT = 1000;
const RESUME_AT = 100;
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

export interface SocketFollowOptions {
  /** The server's HTTP address (http://host:port). */
  addr: string;
  /** The filter message, without "from-seq". */
  filter: Record<string, unknown>;
  /** Resume after this seq; undefined = from now. */
  fromSeq?: number | undefined;
  requestor?: string | undefined;
  signal: AbortSignal;
  /** Called once per event, in seq order; the next waits for it. */
  onEvent(e: WireEvent): void | Promise<void>;
  /** Called when a dropped connection is being re-established. */
  onReconnect?(afterSeq: number | undefined, reason: string): void;
}

type Outcome =
  | { kind: "dropped"; reason: string; opened: boolean }
  | { kind: "fatal"; err: ClientError }
  | { kind: "stopped" };

export function eventsUrl(addr: string): string {
  let base: URL;
  try {
    base = new URL(addr);
  } catch {
    throw usageError(`--addr "${addr}" is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:")
    throw usageError(`the event log is followed over WebSocket: --addr must be http(s)://host:port, not "${addr}"`);
  return `${base.protocol === "https:" ? "wss:" : "ws:"}//${base.host}${WS_EVENTS_PATH}`;
}

export async function followSocket(o: SocketFollowOptions): Promise<void> {
  let cursor = o.fromSeq;
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let failure: unknown;
  let everOpened = false;
  const url = eventsUrl(o.addr);

  const connect = () =>
    new Promise<Outcome>((resolve) => {
      const ws = new WebSocket(url, { headers: o.requestor ? { "x-ordo-requestor": o.requestor } : {} });
      let fatal: ClientError | undefined;
      let opened = false;
      const stop = () => ws.close(1000);
      o.signal.addEventListener("abort", stop, { once: true });
      ws.on("open", () => {
        opened = true;
        everOpened = true;
        ws.send(JSON.stringify(cursor === undefined ? o.filter : { ...o.filter, "from-seq": cursor }));
      });
      ws.on("message", (data) => {
        const msg = JSON.parse(data.toString()) as WireEvent | WireError;
        if ("error" in msg) {
          const usage = msg.error.code === "ORDO_ERR_FILTER_INVALID";
          fatal = new ClientError(`${msg.error.message} (${msg.error.code})`, usage ? EXIT_USAGE : 1, msg.error.code);
          return;
        }
        cursor = msg.seq;
        pending++;
        if (pending >= PAUSE_AT) ws.pause();
        chain = chain
          .then(() => (failure === undefined ? o.onEvent(msg) : undefined))
          .catch((err: unknown) => {
            failure ??= err;
            stop();
          })
          .finally(() => {
            pending--;
            if (pending <= RESUME_AT && ws.isPaused) ws.resume();
          });
      });
      ws.on("error", () => {}); // the close that follows says what happened
      ws.on("close", (code, reason) => {
        o.signal.removeEventListener("abort", stop);
        if (o.signal.aborted || failure !== undefined) resolve({ kind: "stopped" });
        else if (fatal && code !== 1001) resolve({ kind: "fatal", err: fatal });
        else resolve({ kind: "dropped", reason: `closed ${code} ${reason.toString()}`.trim(), opened });
      });
    });

  try {
    let backoff = MIN_BACKOFF_MS;
    while (!o.signal.aborted) {
      const outcome = await connect();
      if (outcome.kind === "fatal") throw outcome.err;
      if (outcome.kind === "stopped") break;
      if (!everOpened) throw new ClientError(`cannot connect to ${o.addr}: ${outcome.reason}`);
      backoff = outcome.opened ? MIN_BACKOFF_MS : Math.min(backoff * 2, MAX_BACKOFF_MS);
      o.onReconnect?.(cursor, outcome.reason);
      await sleep(backoff, undefined, { signal: o.signal }).catch(() => {});
    }
  } finally {
    await chain;
  }
  if (failure !== undefined) throw failure;
}
