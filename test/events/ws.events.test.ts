/**
 * WebSocket GET /api/v1/ws/events over a real server with real clients: GARM's protocol (nothing until a filter,
 * send-everything, filters by entity type and operation, a later filter replacing the earlier one), ordo's
 * extensions (job-ids, event-names, from-seq), errors (1008), keepalive, and the close on shutdown (1001).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { request, simpleDescriptor, startTestServer, submit, useTestServer, waitForState } from "../helpers.js";
import { type WsClient as Client, WS_PATH, WsClient, type WsMessage, wsUrl } from "./clients.js";

const srv = useTestServer({ wsPingInterval: "100ms" });

async function runJob(name = "ws"): Promise<number> {
  const id = await submit(srv.url, simpleDescriptor({ name, targets: [`${name}-t`] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);
  return id;
}

async function headSeq(): Promise<number> {
  return (await srv.server.storage.logBounds()).headSeq;
}

test("a GARM-style client that sends only send-everything receives entity-type/operation/payload messages", async () => {
  const ws = await WsClient.connect(srv.url);
  ws.send('{"send-everything":true}');
  // The filter applies from when the server takes it: run jobs until the first event arrives.
  for (let i = 0; ws.messages.length === 0 && i < 50; i++) {
    await submit(srv.url, simpleDescriptor({ name: `garm${i}`, targets: [`garm${i}`] }));
    await sleep(50);
  }
  // The filter is now in force, so every event of a job submitted from here on is delivered, JobCreated included.
  const id = await submit(srv.url, simpleDescriptor({ name: "garm-last", targets: ["garm-last"] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);
  await ws.waitFor((msgs) => msgs.some((m) => m["event-name"] === "JobStateCompleted" && m["job-id"] === id));
  for (const m of ws.messages) {
    assert.equal(typeof m["entity-type"], "string");
    assert.ok(["create", "update", "delete"].includes(m.operation as string));
    assert.ok("payload" in m);
    assert.equal(typeof m.seq, "number");
    assert.equal(typeof m["event-name"], "string");
    assert.ok(!Number.isNaN(Date.parse(m.time as string)));
  }
  const seqs = ws.messages.map((m) => m.seq as number);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    "in seq order",
  );
  assert.equal(new Set(seqs).size, seqs.length, "no duplicates");
  const created = ws.messages.find((m) => m["job-id"] === id && m["event-name"] === "JobCreated");
  assert.deepEqual({ type: created?.["entity-type"], op: created?.operation }, { type: "job", op: "create" });
  await ws.close();
});

test("nothing is sent until a filter arrives; from-seq then replays the log and continues live", async () => {
  const before = await headSeq();
  const ws = await WsClient.connect(srv.url);
  const id = await runJob("quiet");
  await sleep(100);
  assert.equal(ws.messages.length, 0);
  ws.send({ filters: [{ "job-ids": [id] }], "from-seq": before });
  await ws.waitFor((msgs) => msgs.some((m) => m["event-name"] === "JobStateCompleted"));
  const log = await srv.server.storage.listEvents(id, {});
  assert.deepEqual(
    ws.messages.map((m) => m.seq),
    log.map((e) => e.seq),
  );
  assert.ok(ws.messages.every((m) => m["job-id"] === id));
  await ws.close();
});

test("a later filter replaces the earlier one", async () => {
  const before = await headSeq();
  const id = await runJob("replace");
  const ws = await WsClient.connect(srv.url);
  ws.send({ filters: [{ "entity-type": "job", "job-ids": [id] }], "from-seq": before });
  await ws.waitFor((msgs) => msgs.some((m) => m["event-name"] === "JobStateCompleted"));
  const jobEvents = ws.messages.length;
  assert.ok(ws.messages.every((m) => m["entity-type"] === "job"));
  ws.send({ filters: [{ "entity-type": "report", "job-ids": [id] }], "from-seq": before });
  await ws.waitFor((msgs) => msgs.filter((m) => m["entity-type"] === "report").length === 2);
  await sleep(100);
  const later = ws.messages.slice(jobEvents);
  assert.deepEqual(
    later.map((m) => m["event-name"]),
    ["RunReport", "FinalReport"],
  );
  await ws.close();
});

test("event-names and operations select entries across jobs", async () => {
  const before = await headSeq();
  const ws = await WsClient.connect(srv.url);
  ws.send({
    filters: [{ "event-names": ["JobCreated"] }, { "entity-type": "run", operations: ["update"] }],
    "from-seq": before,
  });
  const a = await runJob("names-a");
  const b = await runJob("names-b");
  await ws.waitFor((msgs) => msgs.filter((m) => m["event-name"] === "RunEnded").length === 2);
  assert.deepEqual(
    ws.messages.map((m) => `${m["job-id"]}:${m["event-name"]}`),
    [`${a}:JobCreated`, `${a}:RunEnded`, `${b}:JobCreated`, `${b}:RunEnded`],
  );
  await ws.close();
});

test("batch: each message is an array of entries, and together they are the job's log in order", async () => {
  const before = await headSeq();
  const id = await runJob("batched");
  const ws = await WsClient.connect(srv.url);
  ws.send({ filters: [{ "job-ids": [id] }], "from-seq": before, batch: true });
  const flat = () => ws.messages.flatMap((m) => m as unknown as WsMessage[]);
  await ws.waitFor(() => flat().some((m) => m["event-name"] === "JobStateCompleted"));
  assert.ok(
    ws.messages.every((m) => Array.isArray(m) && m.length > 0),
    "every message is a non-empty array",
  );
  const log = await srv.server.storage.listEvents(id, {});
  assert.deepEqual(
    flat().map((m) => m.seq),
    log.map((e) => e.seq),
  );
  assert.ok(ws.messages.length < log.length, "entries that were sent together share a message");
  await ws.close();
});

test("an invalid filter gets an error message and close code 1008", async () => {
  for (const bad of [
    '{"filters":[{"entity-type":"repository"}]}',
    "not json",
    '{"send-everything":1}',
    '{"send-everything":true,"batch":"yes"}',
  ]) {
    const ws = await WsClient.connect(srv.url);
    ws.send(bad);
    const closed = await ws.closed;
    assert.equal(closed.code, 1008, bad);
    assert.equal(closed.reason, "ORDO_ERR_FILTER_INVALID");
    const err = ws.messages.at(-1)?.error as { code: string; message: string };
    assert.equal(err?.code, "ORDO_ERR_FILTER_INVALID");
    assert.match(err.message, /invalid filter/);
  }
});

test("a from-seq beyond the end of the log is refused (1008)", async () => {
  const ws = await WsClient.connect(srv.url);
  ws.send({ "send-everything": true, "from-seq": (await headSeq()) + 1000 });
  assert.equal((await ws.closed).code, 1008);
  assert.equal((ws.messages.at(-1)?.error as { code: string } | undefined)?.code, "ORDO_ERR_ARGUMENT_INVALID");
});

test("the server pings; a client that never answers is cut off", async () => {
  const ws = await WsClient.connect(srv.url);
  await once(ws.ws, "ping");
  const mute = new WebSocket(wsUrl(srv.url), { autoPong: false });
  await once(mute, "open");
  const [code] = (await once(mute, "close")) as [number];
  assert.equal(code, 1006, "terminated without a close frame");
  assert.equal(ws.ws.readyState, WebSocket.OPEN, "a client that answers stays connected");
  await ws.close();
});

test("a plain GET without the upgrade is a 400 problem", async () => {
  const res = await request<{ code: string }>(srv.url, WS_PATH);
  assert.equal(res.status, 400);
  assert.equal(res.body.code, "ORDO_ERR_WEBSOCKET_REQUIRED");
});

test("shutting the server down closes followers with 1001 and tells them to resume", async () => {
  const own = await startTestServer();
  const ws: Client = await WsClient.connect(own.url);
  ws.send({ "send-everything": true });
  await sleep(50);
  await own.close();
  const closed = await ws.closed;
  assert.equal(closed.code, 1001);
  assert.equal((ws.messages.at(-1)?.error as { code: string } | undefined)?.code, "ORDO_ERR_SHUTTING_DOWN");
});
