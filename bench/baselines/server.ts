/**
 * Baseline servers, one per child process (the same placement as the ordo server), on 127.0.0.1:0:
 * - http-constant: bare fastify answering the submit routes with a constant;
 * - http-insert: the same plus one SQLite insert per request in its own transaction (better-sqlite3, WAL,
 *   synchronous=FULL: one fsync per request; ordo instead group-commits the writes of one event-loop turn);
 * - grpc-constant: bare grpc-js serving ordo.v1.JobService/Start with a constant;
 * - ws: a bare `ws` server that broadcasts `count` messages to every subscriber on POST /burst?count=&size=&rate=
 *   (as fast as it can, or at `rate` messages/s), one corked write per subscriber per turn as ordo does.
 * Usage: node server.js <mode> <data-dir>; prints {"address": …} once listening.
 */
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import * as grpc from "@grpc/grpc-js";
import Database from "better-sqlite3";
import Fastify from "fastify";
import { WebSocket, WebSocketServer } from "ws";
import { jobServiceDefinition, loadOrdoProtos } from "../../src/listeners/grpc/proto.js";

const [mode = "", dataDir = "."] = process.argv.slice(2);

function ready(address: string): void {
  process.stdout.write(`${JSON.stringify({ address })}\n`);
}

/** One insert per call, autocommitted: its own transaction and fsync. */
function inserter(): (body: string) => number {
  const db = new Database(join(dataDir, "baseline.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, t INTEGER)");
  const insert = db.prepare("INSERT INTO jobs (body, t) VALUES (?, ?)");
  return (body) => Number(insert.run(body, Date.now()).lastInsertRowid);
}

async function http(insert: boolean): Promise<void> {
  const store = insert ? inserter() : () => 1;
  const app = Fastify({ logger: false });
  // Like ordo: the descriptor stays text and is parsed by the handler.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
  await app.register(formbody);
  app.post("/api/v1/jobs", async (req, reply) => {
    const text = req.body as string;
    JSON.parse(text);
    return reply.code(201).send({ JobID: store(text), Existing: false });
  });
  app.post("/start", async (req) => {
    const text = String((req.body as Record<string, unknown>).jobDesc ?? "");
    JSON.parse(text);
    return { ServerID: "baseline", Type: "ResponseTypeStart", Data: { JobID: store(text) }, Error: null };
  });
  ready(await app.listen({ host: "127.0.0.1", port: 0 }));
}

async function grpcConstant(): Promise<void> {
  const server = new grpc.Server();
  server.addService(jobServiceDefinition(loadOrdoProtos()), {
    Start: (_call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) =>
      cb(null, { job_id: "1", existing: false }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  ready(`127.0.0.1:${port}`);
}

function ws(): void {
  // Subscribed clients and their TCP sockets (to cork a turn's messages into one write, as ordo does).
  const subscribed = new Map<WebSocket, Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method !== "POST" || url.pathname !== "/burst") {
      res.writeHead(404).end();
      return;
    }
    const count = Number(url.searchParams.get("count") ?? 0);
    const pad = "x".repeat(Number(url.searchParams.get("size") ?? 100));
    /** Messages per second; 0 = as fast as the sockets take them, 50 per event-loop turn. */
    const rate = Number(url.searchParams.get("rate") ?? 0);
    res.writeHead(202).end();
    let seq = 0;
    const t0 = performance.now();
    const send = () => {
      const due = rate > 0 ? Math.min(count, Math.floor(((performance.now() - t0) / 1000) * rate)) : seq + 50;
      const batch: string[] = [];
      while (seq < count && seq < due)
        batch.push(JSON.stringify({ seq: ++seq, time: new Date().toISOString(), "entity-type": "step", pad }));
      for (const [c, raw] of subscribed) {
        if (c.readyState !== WebSocket.OPEN || batch.length === 0) continue;
        raw.cork();
        for (const m of batch) c.send(m);
        raw.uncork();
      }
      if (seq < count) {
        if (rate > 0) setTimeout(send, 2);
        else setImmediate(send);
      }
    };
    send();
  });
  const wss = new WebSocketServer({ server, path: "/api/v1/ws/events" });
  wss.on("connection", (c, req) => {
    c.once("message", () => subscribed.set(c, req.socket));
    c.on("close", () => subscribed.delete(c));
  });
  server.listen(0, "127.0.0.1", () => {
    const addr = server.address();
    if (addr && typeof addr === "object") ready(`http://127.0.0.1:${addr.port}`);
  });
}

switch (mode) {
  case "http-constant":
    await http(false);
    break;
  case "http-insert":
    await http(true);
    break;
  case "grpc-constant":
    await grpcConstant();
    break;
  case "ws":
    ws();
    break;
  default:
    console.error(`unknown baseline mode "${mode}"`);
    process.exit(2);
}
