/**
 * WebSocket GET /api/v1/ws/events: the event log, live, with GARM's filter messages (seeds/003). Nothing is sent
 * until the client sends a filter; a later filter replaces the earlier one; "from-seq" resumes after a sequence
 * number, otherwise the filter applies from now. Messages are src/events/wire.ts's, each encoded once for all
 * clients. Writes are batched: what committed since the last pull goes out as one corked write (or, with
 * "batch":true, as one JSON array message), and a client that
 * reads slowly stops the pulling (the follower falls back to the log) instead of growing memory. The server pings;
 * a client silent for a whole interval is cut off.
 * Close codes: 1008 invalid filter, 4410 cursor too old (HTTP 410), 1001 server shutting down, 1011 internal.
 */
import { once } from "node:events";
import type { Socket } from "node:net";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { Api } from "../../api/api.js";
import { coerceError, OrdoError } from "../../errors.js";
import { type FilterMessage, parseFilterText } from "../../events/filter.js";
import { encodeBatch, encodeError, encodeEvent } from "../../events/wire.js";
import { sendProblem } from "./errors.js";

export const WS_EVENTS_PATH = "/api/v1/ws/events";
export const WS_CLOSE = { GOING_AWAY: 1001, POLICY: 1008, INTERNAL: 1011, TOO_OLD: 4410 } as const;

export interface EventSocketOptions {
  /** How often the server pings each client (default 30 s). */
  pingIntervalMs?: number;
  /** Bytes waiting in a socket beyond which the session stops pulling events until it drains (default 1 MiB). */
  highWaterBytes?: number;
}

const DEFAULT_PING_MS = 30_000;
const DEFAULT_HIGH_WATER = 1024 * 1024;
const OPEN = 1;

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data as ArrayBuffer).toString("utf8");
}

function closeCodeFor(err: OrdoError): number {
  if (err.code === "ORDO_ERR_CURSOR_TOO_OLD") return WS_CLOSE.TOO_OLD;
  if (err.kind === "invalid" || err.kind === "not_found") return WS_CLOSE.POLICY;
  if (err.kind === "unavailable") return WS_CLOSE.GOING_AWAY;
  return WS_CLOSE.INTERNAL;
}

/** One client connection: its current filter's subscription and its outgoing messages. */
class EventSession {
  private sub: AbortController | undefined;
  private alive = true;
  private ended = false;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly api: Api,
    private readonly ws: WebSocket,
    private readonly raw: Socket,
    private readonly requestor: string,
    private readonly opts: Required<EventSocketOptions>,
  ) {
    ws.on("message", (data) => this.onFilter(data));
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.on("close", () => this.end());
    this.pinger = setInterval(() => this.ping(), opts.pingIntervalMs).unref();
  }

  private onFilter(data: RawData): void {
    if (this.ended) return;
    let msg: FilterMessage;
    try {
      msg = parseFilterText(text(data));
    } catch (err) {
      this.fail(coerceError(err));
      return;
    }
    this.sub?.abort();
    const sub = new AbortController();
    this.sub = sub;
    this.pump(msg, sub.signal).catch((err: unknown) => {
      if (!sub.signal.aborted) this.fail(coerceError(err));
    });
  }

  /** Sends the subscription's batches, one corked write each, waiting while the socket is backed up. */
  private async pump(msg: FilterMessage, signal: AbortSignal): Promise<void> {
    const subscription = await this.api.subscribe(this.requestor, {
      filter: msg.filter,
      afterSeq: msg.fromSeq,
      signal,
    });
    for await (const batch of subscription.batches) {
      if (signal.aborted || this.ws.readyState !== OPEN) return;
      if (msg.batch) this.ws.send(encodeBatch(batch), { binary: false });
      else {
        this.raw.cork();
        for (const e of batch) this.ws.send(encodeEvent(e), { binary: false });
        this.raw.uncork();
      }
      if (this.raw.writableLength > this.opts.highWaterBytes) await once(this.raw, "drain", { signal });
    }
  }

  private ping(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Sends the error, and closes with the error's close code. */
  fail(err: OrdoError): void {
    if (this.ended) return;
    if (this.ws.readyState === OPEN) {
      this.ws.send(encodeError(err));
      this.ws.close(closeCodeFor(err), err.code);
    }
    this.end();
  }

  private end(): void {
    this.ended = true;
    this.sub?.abort();
    clearInterval(this.pinger);
  }
}

function requestorOf(req: FastifyRequest): string {
  const h = req.headers["x-ordo-requestor"];
  return typeof h === "string" && h !== "" ? h : "anonymous";
}

export async function registerEventSocket(
  app: FastifyInstance,
  api: Api,
  opts: EventSocketOptions = {},
): Promise<void> {
  const settings: Required<EventSocketOptions> = {
    pingIntervalMs: opts.pingIntervalMs ?? DEFAULT_PING_MS,
    highWaterBytes: opts.highWaterBytes ?? DEFAULT_HIGH_WATER,
  };
  const sessions = new Set<EventSession>();
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    // Clients hear why the connection ends, and may resume from their last seq elsewhere or later.
    preClose: async () => {
      const bye = new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down; resume from your last seq");
      for (const s of sessions) s.fail(bye);
      app.websocketServer.close();
    },
  });
  app.route({
    method: "GET",
    url: WS_EVENTS_PATH,
    schema: {
      summary: "Follow the event log over WebSocket",
      description:
        'Upgrade to WebSocket, then send a filter: {"send-everything":true} or {"filters":[{"entity-type":"job",' +
        '"operations":["create","update"],"job-ids":[1],"event-names":["JobStateFailed"]}],"from-seq":0}. ' +
        'Messages: {"entity-type","operation","payload","seq","event-name","time","job-id",...}.',
      tags: ["events"],
    },
    handler: async (req, reply) =>
      sendProblem(
        reply,
        new OrdoError(
          "ORDO_ERR_WEBSOCKET_REQUIRED",
          `${WS_EVENTS_PATH} speaks WebSocket only: send an upgrade request`,
        ),
        req.url,
      ),
    wsHandler: (socket, req) => {
      const session = new EventSession(api, socket, req.socket, requestorOf(req), settings);
      sessions.add(session);
      socket.on("close", () => sessions.delete(session));
    },
  });
}
