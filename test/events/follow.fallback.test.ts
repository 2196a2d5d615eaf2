/**
 * The follower behind every live stream, against a real SQLite store: a consumer slower than the writers never
 * makes it buffer more than its limit; it falls back to the log and still gets every selected entry once, in
 * order; and when retention removes entries it has not read yet, it fails with "too old" instead of skipping them.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EVERYTHING } from "../../src/api/events.js";
import { OrdoError } from "../../src/errors.js";
import { followLog } from "../../src/events/follow-log.js";
import { EventSink } from "../../src/jobmanager/runner/event-sink.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { NewEvent } from "../../src/storage/storage.js";

let storage: SqliteStorage;
let sink: EventSink;
let jobId: number;

before(async () => {
  storage = new SqliteStorage({ path: ":memory:" });
  sink = new EventSink(storage);
  const job = await storage.createJob({
    name: "j",
    requestor: "t",
    serverId: "s",
    descriptorRaw: "{}",
    descriptorResolved: "{}",
    tags: [],
  });
  jobId = job.id;
});
after(() => storage.close());

function stepEvent(i: number): NewEvent {
  return { entityType: "step", operation: "create", eventName: "Tick", jobId, payload: { i } };
}

test("a slow consumer with a tiny buffer gets every entry once, in order, via the log", async () => {
  const abort = new AbortController();
  const start = (await storage.logBounds()).headSeq;
  const batches = followLog(storage, sink, {
    filter: { everything: false, selectors: [{ entityType: "step" }] },
    afterSeq: start,
    bufferLimit: 5,
    pageSize: 7,
    signal: abort.signal,
  });
  const got: number[] = [];
  const writer = (async () => {
    for (let i = 0; i < 40; i++) {
      await storage.appendEvents([stepEvent(i), stepEvent(i), stepEvent(i)]);
      if (i % 10 === 0) await storage.appendEvents([{ entityType: "job", operation: "update", eventName: "X", jobId }]);
    }
  })();
  let biggest = 0;
  for await (const batch of batches) {
    biggest = Math.max(biggest, batch.length);
    for (const e of batch) got.push(e.seq);
    await sleep(5);
    if (got.length >= 120) break;
  }
  await writer;
  abort.abort();
  const want = (await storage.readLog({ afterSeq: start, limit: 1000, filter: EVERYTHING })).events
    .filter((e) => e.entityType === "step")
    .map((e) => e.seq);
  assert.equal(want.length, 120);
  assert.deepEqual(got, want);
  assert.ok(biggest <= 7, `batches are log pages (7) or at most the buffer (5): ${biggest}`);
});

test("entries removed by retention before a slow follower read them make it fail with too old", async () => {
  const start = (await storage.logBounds()).headSeq;
  const abort = new AbortController();
  const batches = followLog(storage, sink, {
    filter: EVERYTHING,
    afterSeq: start,
    bufferLimit: 3,
    signal: abort.signal,
  });
  await storage.appendEvents([stepEvent(1), stepEvent(2)]);
  const it = batches[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.value?.[0]?.seq, start + 1);
  // The follower falls behind (its buffer overflows), then retention passes it.
  for (let i = 0; i < 20; i++) await storage.appendEvents([stepEvent(i)]);
  await storage.pruneEvents({ maxAgeMs: null, maxEvents: 5 });
  await assert.rejects(
    async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) {}
    },
    (err: unknown) => err instanceof OrdoError && err.code === "ORDO_ERR_CURSOR_TOO_OLD" && err.kind === "gone",
  );
  abort.abort();
});

test("a cursor behind retention or beyond the head is refused before anything is read", async () => {
  const bounds = await storage.logBounds();
  assert.ok(bounds.prunedThrough > 0);
  await assert.rejects(storage.readLog({ afterSeq: 0, limit: 10, filter: EVERYTHING }), {
    code: "ORDO_ERR_CURSOR_TOO_OLD",
  });
  await assert.rejects(storage.readLog({ afterSeq: bounds.headSeq + 1, limit: 10, filter: EVERYTHING }), {
    code: "ORDO_ERR_ARGUMENT_INVALID",
  });
  const page = await storage.readLog({ afterSeq: bounds.prunedThrough, limit: 1000, filter: EVERYTHING });
  assert.equal(page.events[0]?.seq, bounds.prunedThrough + 1);
  assert.equal(page.events.at(-1)?.seq, bounds.headSeq);
});
