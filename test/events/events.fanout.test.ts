/**
 * The event store under load: 1,000 tiny jobs run while 20 WebSocket and 20 gRPC subscribers follow the log with
 * different filters. Every subscriber must receive exactly the entries its filter selects from the log, in seq
 * order, with no gap and no duplicate: also those that disconnect mid-stream and resume after their last seq,
 * those that join late (catch-up from the log, then live), and one per transport that deliberately reads slowly.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type * as grpc from "@grpc/grpc-js";
import WebSocket from "ws";
import type { EventFilter } from "../../src/api/events.js";
import { parseFilterMessage } from "../../src/events/filter.js";
import { startTestServer, type TestServer } from "../helpers.js";
import { EventClient, expectedSeqs, submitTinyJobs, waitForJobsEnded, wholeLog, wsUrl } from "./clients.js";

const JOBS = 1000;

type GarmFilter = Record<string, unknown>;

const FILTERS: GarmFilter[] = [
  { "send-everything": true },
  { filters: [{ "entity-type": "job", operations: ["create", "update"] }] },
  { filters: [{ "entity-type": "step", operations: ["create"] }] },
  { filters: [{ "entity-type": "report" }, { "entity-type": "run", operations: ["update"] }] },
  { filters: [{ "event-names": ["JobCreated", "JobStateCompleted"] }] },
  { filters: [{ "job-ids": Array.from({ length: 40 }, (_, i) => 1 + i * 25) }] },
  {
    filters: [
      { "entity-type": "target", "job-ids": [2, 500, 999] },
      { "entity-type": "test", operations: ["update"] },
    ],
  },
  { "send-everything": false, filters: [] },
];

interface Plan {
  filter: GarmFilter;
  /** Disconnect after receiving this many entries, then resume after the last seq (repeatable). */
  resumeAt?: number[];
  /** Read slowly: stop reading for a while, then take entries in small bursts. */
  slow?: boolean;
  /** Join once this many jobs have been submitted (catch-up from the log under load, then live). */
  late?: boolean;
}

interface Subscriber {
  name: string;
  filter: EventFilter;
  seqs: number[];
  errors: unknown[];
  stop(): void;
}

function plans(transport: "ws" | "grpc"): Plan[] {
  const list: Plan[] = FILTERS.flatMap((filter) => [{ filter }, { filter }]).slice(0, 14);
  // gRPC's everything-subscribers are the costliest to decode in this one process: fewer of them.
  if (transport === "grpc") list[1] = { filter: FILTERS[2] as GarmFilter };
  list.push(
    { filter: FILTERS[0] as GarmFilter, resumeAt: [1500, 6000] },
    { filter: FILTERS[1] as GarmFilter, resumeAt: [200, 900] },
    { filter: FILTERS[5] as GarmFilter, resumeAt: [100] },
    { filter: FILTERS[0] as GarmFilter, late: true },
    { filter: FILTERS[3] as GarmFilter, late: true },
    { filter: FILTERS[0] as GarmFilter, slow: true },
  );
  return list;
}

function wsSubscriber(url: string, name: string, plan: Plan): Subscriber {
  const sub: Subscriber = { name, filter: parseFilterMessage(plan.filter).filter, seqs: [], errors: [], stop() {} };
  const resumeAt = [...(plan.resumeAt ?? [])];
  let stopped = false;
  let ws: WebSocket;
  const connect = (fromSeq: number) => {
    const sock = new WebSocket(wsUrl(url));
    ws = sock;
    sock.on("open", () => {
      sock.send(JSON.stringify({ ...plan.filter, "from-seq": fromSeq }));
      if (plan.slow) {
        sock.pause();
        setTimeout(() => sock.resume(), 3000);
      }
    });
    sock.on("message", (data) => {
      if (ws !== sock) return; // a dropped connection's last buffered frames
      const m = JSON.parse(data.toString()) as { seq?: number; error?: unknown };
      if (m.error || m.seq === undefined) return void sub.errors.push(m);
      sub.seqs.push(m.seq);
      if (plan.slow && sub.seqs.length % 500 === 0) {
        sock.pause();
        setTimeout(() => sock.resume(), 150);
      }
      if (resumeAt[0] === sub.seqs.length) {
        resumeAt.shift();
        sock.terminate();
        connect(m.seq);
      }
    });
    sock.on("close", (code) => {
      if (!stopped && ws === sock) sub.errors.push(`closed ${code}`);
    });
  };
  connect(0);
  sub.stop = () => {
    stopped = true;
    ws.close();
  };
  return sub;
}

function protoFilter(f: GarmFilter) {
  const clauses = (f.filters as Record<string, unknown>[] | undefined) ?? [];
  return {
    send_everything: f["send-everything"] === true,
    filters: clauses.map((c) => ({
      entity_type: c["entity-type"] ?? "",
      operations: c.operations ?? [],
      job_ids: ((c["job-ids"] as number[] | undefined) ?? []).map(String),
      event_names: c["event-names"] ?? [],
    })),
  };
}

function grpcSubscriber(client: EventClient, name: string, plan: Plan): Subscriber {
  const sub: Subscriber = { name, filter: parseFilterMessage(plan.filter).filter, seqs: [], errors: [], stop() {} };
  const resumeAt = [...(plan.resumeAt ?? [])];
  let stream: grpc.ClientReadableStream<Record<string, unknown>>;
  const connect = (fromSeq: number) => {
    const s = client.subscribe({ filter: protoFilter(plan.filter), from_seq: fromSeq, requestor: name });
    stream = s;
    if (plan.slow) {
      s.pause();
      setTimeout(() => s.resume(), 3000);
    }
    s.on("data", (res: { event?: { seq: number } }) => {
      if (stream !== s || !res.event) return;
      sub.seqs.push(res.event.seq);
      if (plan.slow && sub.seqs.length % 500 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 150);
      }
      if (resumeAt[0] === sub.seqs.length) {
        resumeAt.shift();
        s.cancel();
        connect(res.event.seq);
      }
    });
    s.on("error", (err: grpc.ServiceError) => {
      if (stream === s && err.code !== 1) sub.errors.push(err.message);
    });
  };
  connect(0);
  sub.stop = () => {
    const s = stream;
    stream = undefined as unknown as typeof stream;
    s.cancel();
  };
  return sub;
}

let srv: TestServer;
let client: EventClient;
before(async () => {
  srv = await startTestServer({ durability: "normal" });
  client = new EventClient(srv.grpcUrl);
});
after(async () => {
  client.close();
  await srv.close();
});

test("1,000 jobs, 20 WebSocket and 20 gRPC subscribers: each gets exactly its filter's entries, in order, once", {
  timeout: 150_000,
}, async () => {
  const subs: Subscriber[] = [];
  const start = (late: boolean) => {
    for (const transport of ["ws", "grpc"] as const)
      plans(transport).forEach((plan, i) => {
        if ((plan.late ?? false) !== late) return;
        const name = `${transport}-${i}${plan.resumeAt ? "-resume" : ""}${plan.slow ? "-slow" : ""}`;
        subs.push(transport === "ws" ? wsSubscriber(srv.url, name, plan) : grpcSubscriber(client, name, plan));
      });
  };
  start(false);
  assert.equal(subs.length, 36);
  await new Promise((r) => setTimeout(r, 200));
  await submitTinyJobs(srv.url, 300);
  start(true);
  assert.equal(subs.length, 40);
  await submitTinyJobs(srv.url, JOBS - 300);
  await waitForJobsEnded(srv, JOBS);

  const log = await wholeLog(srv);
  assert.ok(log.length >= JOBS * 10, `the log has ${log.length} entries`);
  const deadline = Date.now() + 60_000;
  for (const sub of subs) {
    const want = expectedSeqs(log, sub.filter);
    while (sub.seqs.length < want.length && Date.now() < deadline && sub.errors.length === 0)
      await new Promise((r) => setTimeout(r, 100));
    // Nothing more may arrive after the expected end.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sub.errors, [], `${sub.name}: errors`);
    assert.equal(sub.seqs.length, want.length, `${sub.name}: ${sub.seqs.length} of ${want.length} entries`);
    assert.deepEqual(sub.seqs, want, `${sub.name}: exactly the selected entries, in seq order`);
  }
  for (const sub of subs) sub.stop();
});
