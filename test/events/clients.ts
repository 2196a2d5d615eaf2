/**
 * Real clients of the event store for tests: a WebSocket follower (the `ws` package, as any GARM-style client)
 * and a promise-based ordo.v1.EventService client over real gRPC, plus small helpers to run many tiny jobs and
 * to read the whole log as the reference the subscribers are checked against.
 */
import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import WebSocket from "ws";
import { compileFilter, EVERYTHING, type EventFilter } from "../../src/api/events.js";
import type { LogEvent } from "../../src/api/types.js";
import { eventServiceClient } from "../../src/listeners/grpc/proto.js";
import { simpleDescriptor, submit, type TestServer } from "../helpers.js";

export const WS_PATH = "/api/v1/ws/events";

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}${WS_PATH}`;
}

export type WsMessage = Record<string, unknown> & { seq?: number };

/** A WebSocket connection that records every message and how it closed. */
export class WsClient {
  readonly ws: WebSocket;
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      this.messages.push(JSON.parse(data.toString()) as WsMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  static async connect(httpUrl: string): Promise<WsClient> {
    const ws = new WebSocket(wsUrl(httpUrl));
    const client = new WsClient(ws);
    await once(ws, "open");
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** Resolves once `pred` holds for the messages so far; fails after `timeoutMs`. */
  async waitFor(pred: (msgs: WsMessage[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.messages.length} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type Method = (...args: unknown[]) => unknown;

/** ordo.v1.EventService over real gRPC (plain objects, proto-loader options as the server's). */
export class EventClient {
  readonly raw: grpc.Client;

  constructor(grpcUrl: string) {
    const Client = eventServiceClient();
    this.raw = new Client(grpcUrl.replace(/^grpc:\/\//, ""), grpc.credentials.createInsecure());
  }

  private method(name: string): Method {
    return (this.raw as unknown as Record<string, Method>)[name] as Method;
  }

  call<Res>(name: string, request: object): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const cb: Callback = (err, res) => (err ? reject(err) : resolve(res as Res));
      this.method(name).call(this.raw, request, cb);
    });
  }

  subscribe(request: object): grpc.ClientReadableStream<Record<string, unknown>> {
    return this.method("Subscribe").call(this.raw, request) as grpc.ClientReadableStream<Record<string, unknown>>;
  }

  pull(): grpc.ClientDuplexStream<object, Record<string, unknown>> {
    return this.method("Pull").call(this.raw) as grpc.ClientDuplexStream<object, Record<string, unknown>>;
  }

  close(): void {
    this.raw.close();
  }
}

/** Submits `n` tiny jobs (one echo step, one target each), `concurrency` at a time; returns their IDs. */
export async function submitTinyJobs(url: string, n: number, concurrency = 16): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const d = simpleDescriptor({
        name: `tiny${i}`,
        targets: [`tiny-${i}`],
        steps: [{ name: "echo", label: "say", parameters: { text: ["hi"] } }],
      });
      ids.push(await submit(url, d));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids.sort((a, b) => a - b);
}

/** Waits until `n` jobs have ended (any terminal state). */
export async function waitForJobsEnded(srv: TestServer, n: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ended = await srv.server.storage.listJobs({
      states: ["JobStateCompleted", "JobStateFailed", "JobStateCancelled"],
    });
    if (ended.length >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${ended.length} of ${n} jobs ended`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The whole retained log, in seq order, read through storage (the reference). */
export async function wholeLog(srv: TestServer): Promise<LogEvent[]> {
  const all: LogEvent[] = [];
  let afterSeq = (await srv.server.storage.logBounds()).prunedThrough;
  for (;;) {
    const page = await srv.server.storage.readLog({ afterSeq, limit: 1000, filter: EVERYTHING });
    all.push(...page.events);
    afterSeq = page.nextAfterSeq;
    if (!page.more) return all;
  }
}

/** The seqs of the log's entries a filter selects. */
export function expectedSeqs(log: LogEvent[], filter: EventFilter, afterSeq = 0): number[] {
  const selects = compileFilter(filter);
  return log.filter((e) => e.seq > afterSeq && selects(e)).map((e) => e.seq);
}
