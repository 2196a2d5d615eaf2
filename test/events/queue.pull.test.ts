/**
 * EventService.Pull on jobs/lifecycle-events (EngFlow's notification queue semantics) over real gRPC: competing
 * readers share the notifications without overlap; an unacknowledged one comes back after the reader's deadline
 * with a new token; an acknowledged one never comes back, also across a server restart.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type * as grpc from "@grpc/grpc-js";
import { errorInfoOf } from "../../src/listeners/grpc/errors.js";
import { simpleDescriptor, startTestServer, submit, type TestServer, tempDir, waitForState } from "../helpers.js";
import { EventClient, wholeLog } from "./clients.js";

const QUEUE = "jobs/lifecycle-events";

interface Notification {
  token: string;
  delivery_attempt: number;
  event: { seq: number; event_name: string; job_id: string };
}
interface AckResult {
  acknowledged: string[];
  rejected: string[];
}

/** One competing reader: what it was delivered, and acks that resolve with the server's AckResult. */
class Reader {
  readonly delivered: Notification[] = [];
  private readonly stream: grpc.ClientDuplexStream<object, Record<string, unknown>>;
  private readonly results: ((r: AckResult) => void)[] = [];
  readonly ended: Promise<grpc.ServiceError | null>;

  constructor(
    client: EventClient,
    open: { deadlineMs: number; maxOutstanding: number; queue?: string },
    autoAckMs?: number,
  ) {
    this.stream = client.pull();
    this.ended = new Promise((resolve) => {
      this.stream.on("error", (err: grpc.ServiceError) => resolve(err));
      this.stream.on("end", () => resolve(null));
    });
    this.stream.on("data", (r: { notification?: Notification; ack_result?: AckResult }) => {
      if (r.ack_result) this.results.shift()?.(r.ack_result);
      if (r.notification) {
        const n = r.notification;
        this.delivered.push(n);
        if (autoAckMs !== undefined) setTimeout(() => this.ack([n.token]).catch(() => {}), autoAckMs);
      }
    });
    const seconds = Math.floor(open.deadlineMs / 1000);
    this.stream.write({
      open: {
        queue: open.queue ?? QUEUE,
        ack_deadline: { seconds, nanos: (open.deadlineMs % 1000) * 1e6 },
        max_outstanding: open.maxOutstanding,
        requestor: "reader",
      },
    });
  }

  ack(tokens: string[]): Promise<AckResult> {
    return new Promise((resolve) => {
      this.results.push(resolve);
      this.stream.write({ ack: { tokens } });
    });
  }

  async waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out with ${this.delivered.length} delivered`);
      await sleep(20);
    }
  }

  close(): Promise<unknown> {
    this.stream.end();
    return this.ended;
  }
}

let srv: TestServer;
let client: EventClient;
before(async () => {
  srv = await startTestServer({ minAckDeadline: "100ms" });
  client = new EventClient(srv.grpcUrl);
});
after(async () => {
  client.close();
  await srv.close();
});

async function runJobs(server: TestServer, n: number, name: string): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) => submit(server.url, simpleDescriptor({ name, targets: [`${name}${i}`] }))),
  );
  for (const id of ids) await waitForState(server.url, id, ["JobStateCompleted"]);
}

/** The seqs of job entries (one notification each) after `afterSeq`. */
async function jobSeqs(server: TestServer, afterSeq = 0): Promise<number[]> {
  return (await wholeLog(server)).filter((e) => e.entityType === "job" && e.seq > afterSeq).map((e) => e.seq);
}

test("two competing readers share the notifications without overlap", async () => {
  const a = new Reader(client, { deadlineMs: 10_000, maxOutstanding: 1 }, 30);
  const b = new Reader(client, { deadlineMs: 10_000, maxOutstanding: 1 }, 30);
  await runJobs(srv, 6, "share");
  const want = await jobSeqs(srv);
  assert.equal(want.length, 18, "JobCreated, JobStateStarted, JobStateCompleted per job");
  await a.waitFor(() => a.delivered.length + b.delivered.length >= want.length);
  await sleep(200);
  const seqsA = a.delivered.map((n) => n.event.seq);
  const seqsB = b.delivered.map((n) => n.event.seq);
  assert.ok(seqsA.length > 0 && seqsB.length > 0, `both readers got some (${seqsA.length}/${seqsB.length})`);
  assert.deepEqual(
    seqsA.filter((s) => seqsB.includes(s)),
    [],
    "no notification went to both",
  );
  assert.deepEqual(
    [...seqsA, ...seqsB].sort((x, y) => x - y),
    want,
    "every job state change, once",
  );
  assert.ok([...a.delivered, ...b.delivered].every((n) => n.delivery_attempt === 1));
  await Promise.all([a.close(), b.close()]);
});

test("an unacknowledged notification comes back after the deadline, with a new token", async () => {
  const from = (await srv.server.storage.logBounds()).headSeq;
  const reader = new Reader(client, { deadlineMs: 300, maxOutstanding: 1 });
  await runJobs(srv, 1, "late");
  await reader.waitFor(() => reader.delivered.length >= 2);
  const [first, again] = reader.delivered as [Notification, Notification];
  assert.equal(again.event.seq, first.event.seq, "the same notification");
  assert.equal(again.delivery_attempt, 2);
  assert.notEqual(again.token, first.token);
  assert.deepEqual(await reader.ack([first.token]), { acknowledged: [], rejected: [first.token] });
  assert.deepEqual(await reader.ack([again.token]), { acknowledged: [again.token], rejected: [] });
  // The rest of the job's notifications follow; acknowledge them as they come.
  const want = await jobSeqs(srv, from);
  for (let i = 1; i < want.length; i++) {
    await reader.waitFor(() => reader.delivered.some((n) => n.event.seq === want[i]));
    const n = reader.delivered.find((x) => x.event.seq === want[i]) as Notification;
    assert.deepEqual((await reader.ack([n.token])).acknowledged, [n.token]);
  }
  await reader.close();
});

test("unknown queues and out-of-range deadlines are refused", async () => {
  const unknown = new Reader(client, { deadlineMs: 1000, maxOutstanding: 1, queue: "no/such-queue" });
  const err = (await unknown.ended) as grpc.ServiceError;
  assert.equal(err.code, 5);
  assert.equal(errorInfoOf(err)?.reason, "ORDO_ERR_QUEUE_NOT_FOUND");
  const tooLong = new Reader(client, { deadlineMs: 10 * 60_000, maxOutstanding: 1 });
  assert.equal(((await tooLong.ended) as grpc.ServiceError).code, 3);
});

test("a notification acknowledged before a restart is not delivered after it", async () => {
  const dataDir = tempDir();
  let own = await startTestServer({ dataDir, minAckDeadline: "100ms" });
  try {
    let c = new EventClient(own.grpcUrl);
    const reader = new Reader(c, { deadlineMs: 30_000, maxOutstanding: 100 });
    await runJobs(own, 2, "restart");
    const all = await jobSeqs(own);
    await reader.waitFor(() => reader.delivered.length === all.length);
    const acked = reader.delivered.slice(0, 4);
    assert.equal((await reader.ack(acked.map((n) => n.token))).acknowledged.length, 4);
    c.close();
    await own.close();

    own = await startTestServer({ dataDir, minAckDeadline: "100ms" });
    c = new EventClient(own.grpcUrl);
    const after = new Reader(c, { deadlineMs: 30_000, maxOutstanding: 100 });
    await after.waitFor(() => after.delivered.length >= 2);
    await sleep(300);
    const redelivered = after.delivered.map((n) => n.event.seq).sort((x, y) => x - y);
    const ackedSeqs = acked.map((n) => n.event.seq);
    assert.deepEqual(
      redelivered,
      all.filter((s) => !ackedSeqs.includes(s)),
      "only the unacknowledged ones, at once",
    );
    await after.close();
    c.close();
  } finally {
    await own.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
