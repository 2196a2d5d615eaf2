/**
 * Retention: the configured limit removes the oldest log entries on its timer, and a cursor behind what it removed
 * is reported as "too old" on both transports (WebSocket close 4410, gRPC OUT_OF_RANGE), never served with a
 * silent gap. Reading from what is retained still works.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type * as grpc from "@grpc/grpc-js";
import { errorInfoOf } from "../../src/listeners/grpc/errors.js";
import { JobServiceClient } from "../grpc/client.js";
import { simpleDescriptor, startTestServer, submit, type TestServer, waitForState } from "../helpers.js";
import { EventClient, WsClient } from "./clients.js";

const KEEP = 25;
let srv: TestServer;
let client: EventClient;
let firstJob: number;

before(async () => {
  srv = await startTestServer({ eventRetentionCount: KEEP, eventRetentionInterval: "50ms" });
  client = new EventClient(srv.grpcUrl);
  for (let i = 0; i < 4; i++) {
    const id = await submit(srv.url, simpleDescriptor({ name: `old${i}`, targets: [`old${i}`] }));
    firstJob ||= id;
    await waitForState(srv.url, id, ["JobStateCompleted"]);
  }
  // Let the retention timer catch up with the last job.
  const deadline = Date.now() + 5000;
  for (;;) {
    const b = await srv.server.storage.logBounds();
    if (b.headSeq - b.prunedThrough <= KEEP) break;
    if (Date.now() > deadline) throw new Error(`retention did not run: ${JSON.stringify(b)}`);
    await sleep(50);
  }
});
after(async () => {
  client.close();
  await srv.close();
});

function reasonOf(err: unknown): string | undefined {
  return errorInfoOf(err as grpc.ServiceError)?.reason;
}

test("the configured limit keeps the newest entries and records how far it removed", async () => {
  const b = await srv.server.storage.logBounds();
  assert.ok(b.prunedThrough > 0, "something was removed");
  assert.equal(b.headSeq - b.prunedThrough, KEEP);
  const page = await srv.server.storage.readLog({
    afterSeq: b.prunedThrough,
    limit: 100,
    filter: { everything: true, selectors: [] },
  });
  assert.equal(page.events.length, KEEP);
  assert.equal(page.events[0]?.seq, b.prunedThrough + 1);
});

test("WebSocket: from-seq behind retention gets a too-old error and close code 4410", async () => {
  const ws = await WsClient.connect(srv.url);
  ws.send({ "send-everything": true, "from-seq": 0 });
  const closed = await ws.closed;
  assert.equal(closed.code, 4410);
  const err = ws.messages.at(-1)?.error as { code: string; message: string };
  assert.equal(err.code, "ORDO_ERR_CURSOR_TOO_OLD");
  assert.match(err.message, /too old/);
});

test("gRPC: Subscribe, ListEvents and WatchJob behind retention are OUT_OF_RANGE / ORDO_ERR_CURSOR_TOO_OLD", async () => {
  const subscribeErr = await new Promise<grpc.ServiceError>((resolve) => {
    const s = client.subscribe({ filter: { send_everything: true }, from_seq: 0 });
    s.on("data", () => {});
    s.on("error", resolve);
  });
  assert.equal(subscribeErr.code, 11);
  assert.equal(reasonOf(subscribeErr), "ORDO_ERR_CURSOR_TOO_OLD");
  await assert.rejects(
    client.call("ListEvents", { after_seq: 1 }),
    (err: grpc.ServiceError) => err.code === 11 && reasonOf(err) === "ORDO_ERR_CURSOR_TOO_OLD",
  );
  const jobs = new JobServiceClient(srv.grpcUrl);
  const watchErr = await new Promise<grpc.ServiceError>((resolve) => {
    const s = jobs.watchJob({ job_id: String(firstJob) });
    s.on("data", () => {});
    s.on("error", resolve);
  });
  jobs.close();
  assert.equal(reasonOf(watchErr), "ORDO_ERR_CURSOR_TOO_OLD", "a job whose events were removed cannot be replayed");
});

test("reading from what is retained still works on both transports", async () => {
  const { prunedThrough } = await srv.server.storage.logBounds();
  const page = await client.call<{ events: { seq: number }[] }>("ListEvents", {});
  assert.equal(page.events[0]?.seq, prunedThrough + 1, "without a cursor: from the oldest retained entry");
  const ws = await WsClient.connect(srv.url);
  ws.send({ "send-everything": true, "from-seq": prunedThrough });
  await ws.waitFor((msgs) => msgs.length >= 5);
  assert.equal(ws.messages[0]?.seq, prunedThrough + 1);
  await ws.close();
});
