/**
 * ordo.v1.EventService over real gRPC: Subscribe (filters, resume, a consistent snapshot first), ListEvents pages
 * with a continuation token, the errors both share with the WebSocket, and Publish's idempotent ingestion of a
 * forwarded log as `eventsource` entries that change no job state.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type * as grpc from "@grpc/grpc-js";
import type { LogEvent } from "../../src/api/types.js";
import { errorInfoOf } from "../../src/listeners/grpc/errors.js";
import { simpleDescriptor, startTestServer, submit, type TestServer, waitForState } from "../helpers.js";
import { EventClient, wholeLog } from "./clients.js";

let srv: TestServer;
let client: EventClient;
before(async () => {
  srv = await startTestServer();
  client = new EventClient(srv.grpcUrl);
});
after(async () => {
  client.close();
  await srv.close();
});

interface WireEvent {
  seq: number;
  job_id: string;
  event_name: string;
  entity_type: string;
  operation: string;
  payload_json: string;
}
type Reply = { event?: WireEvent; snapshot_job?: { job_id: string; state: string }; snapshot_end?: { seq: number } };

async function runJob(name: string): Promise<number> {
  const id = await submit(srv.url, simpleDescriptor({ name, targets: [`${name}-t`] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);
  return id;
}

/** Collects a stream's replies until `done` says so; then cancels it. */
function collect(stream: grpc.ClientReadableStream<Record<string, unknown>>, done: (r: Reply[]) => boolean) {
  const replies: Reply[] = [];
  return new Promise<Reply[]>((resolve, reject) => {
    stream.on("data", (r: Reply) => {
      replies.push(r);
      if (done(replies)) {
        stream.cancel();
        resolve(replies);
      }
    });
    stream.on("error", (err: grpc.ServiceError) => (err.code === 1 ? resolve(replies) : reject(err)));
  });
}

function reasonOf(err: unknown): string | undefined {
  return errorInfoOf(err as grpc.ServiceError)?.reason;
}

test("Subscribe resumes after from_seq with exactly the filter's entries, in order", async () => {
  const start = (await srv.server.storage.logBounds()).headSeq;
  const id = await runJob("sub");
  const replies = await collect(
    client.subscribe({
      filter: { filters: [{ entity_type: "job", job_ids: [String(id)] }] },
      from_seq: start,
      requestor: "t",
    }),
    (r) => r.some((x) => x.event?.event_name === "JobStateCompleted"),
  );
  const want = (await srv.server.storage.listEvents(id, { entityType: "job" })).map((e) => e.seq);
  assert.deepEqual(
    replies.map((r) => r.event?.seq),
    want,
  );
  assert.deepEqual(
    replies.map((r) => r.event?.event_name),
    ["JobCreated", "JobStateStarted", "JobStateCompleted"],
  );
});

test("Subscribe with a snapshot: current job states, the seq they hold at, then only later entries", async () => {
  const done = await runJob("snap-done");
  const stream = client.subscribe({ filter: { send_everything: true }, snapshot: true });
  const replies: Reply[] = [];
  let later = 0;
  let check = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    check = () => {
      if (replies.some((r) => r.event?.event_name === "JobStateCompleted" && Number(r.event.job_id) === later))
        resolve();
    };
    stream.on("data", (r: Reply) => {
      replies.push(r);
      check();
    });
    stream.on("error", (err: grpc.ServiceError) => (err.code === 1 ? resolve() : reject(err)));
  });
  await new Promise((r) => setTimeout(r, 100));
  later = await runJob("snap-later");
  check();
  await finished;
  stream.cancel();
  const end = replies.findIndex((r) => r.snapshot_end);
  assert.ok(end > 0);
  const jobs = replies.slice(0, end).map((r) => r.snapshot_job);
  assert.ok(jobs.some((j) => j && Number(j.job_id) === done && j.state === "JobStateCompleted"));
  const seq = replies[end]?.snapshot_end?.seq as number;
  const events = replies.slice(end + 1).map((r) => r.event as WireEvent);
  assert.ok(events.every((e) => e.seq > seq));
  const log = (await wholeLog(srv)).filter((e) => e.seq > seq);
  assert.deepEqual(
    events.map((e) => e.seq),
    log.slice(0, events.length).map((e) => e.seq),
    "no gap between the snapshot and the stream",
  );
});

test("ListEvents pages the whole log with a continuation token, and the last token picks up new entries", async () => {
  await runJob("pages");
  const all: number[] = [];
  let token = "";
  let more = true;
  while (more) {
    const page = await client.call<{ events: WireEvent[]; next_page_token: string; more: boolean }>("ListEvents", {
      page_size: 7,
      page_token: token,
    });
    all.push(...page.events.map((e) => e.seq));
    assert.ok(page.next_page_token);
    token = page.next_page_token;
    more = page.more;
  }
  const log = await wholeLog(srv);
  assert.deepEqual(
    all,
    log.map((e: LogEvent) => e.seq),
  );
  const id = await runJob("pages-2");
  const next = await client.call<{ events: WireEvent[] }>("ListEvents", { page_token: token, page_size: 1000 });
  assert.ok(next.events.length > 0);
  assert.ok(next.events.every((e) => Number(e.job_id) === id));
  const filtered = await client.call<{ events: WireEvent[] }>("ListEvents", {
    filter: { filters: [{ event_names: ["JobCreated"] }] },
    page_size: 1000,
  });
  assert.ok(filtered.events.length >= 3);
  assert.ok(filtered.events.every((e) => e.event_name === "JobCreated"));
});

test("an invalid filter, a bad token and a cursor beyond the log are INVALID_ARGUMENT with ordo's reason", async () => {
  const badFilter = { filter: { filters: [{ entity_type: "repository" }] } };
  await assert.rejects(client.call("ListEvents", badFilter), (err) => reasonOf(err) === "ORDO_ERR_FILTER_INVALID");
  await assert.rejects(
    collect(client.subscribe(badFilter), () => false),
    (err: grpc.ServiceError) => err.code === 3 && reasonOf(err) === "ORDO_ERR_FILTER_INVALID",
  );
  await assert.rejects(
    client.call("ListEvents", { page_token: "bm9wZQ" }),
    (err) => reasonOf(err) === "ORDO_ERR_ARGUMENT_INVALID",
  );
  await assert.rejects(
    collect(client.subscribe({ from_seq: 1e9 }), () => false),
    (err: grpc.ServiceError) => err.code === 3,
  );
});

test("Publish stores a forwarded log once, as eventsource entries that change no job", async () => {
  const id = await runJob("pub");
  const before = (await srv.server.storage.getJob(id))?.state;
  const events = [1, 2, 3].map((seq) => ({
    seq,
    job_id: String(id),
    event_name: seq === 3 ? "JobStateFailed" : "Something",
    entity_type: "job",
    operation: "update",
    payload_json: JSON.stringify({ n: seq, password: "hunter2" }),
    emit_time: { seconds: 1, nanos: 0 },
  }));
  const first = await client.call<{ stored: number; last_source_seq: number }>("Publish", {
    source: "other",
    events,
    requestor: "fwd",
  });
  assert.deepEqual(first, { stored: 3, last_source_seq: 3 });
  const again = await client.call<{ stored: number; last_source_seq: number }>("Publish", {
    source: "other",
    events,
    requestor: "fwd",
  });
  assert.deepEqual(again, { stored: 0, last_source_seq: 3 });
  const log = (await wholeLog(srv)).filter((e) => e.entityType === "eventsource");
  assert.equal(log.length, 3);
  const payload = log[2]?.payload as { source: string; event: { seq: number; jobId: number; payload: unknown } };
  assert.equal(payload.source, "other");
  assert.equal(payload.event.seq, 3);
  assert.deepEqual(payload.event.payload, { n: 3, password: "[REDACTED]" });
  assert.equal((await srv.server.storage.getJob(id))?.state, before, "a forwarded JobStateFailed changes no job");
  await assert.rejects(
    client.call("Publish", { source: "other", events }),
    (err) => reasonOf(err) === "ORDO_ERR_REQUESTOR_INVALID",
  );
});
