/**
 * The capacity queue under load: with --max-running-jobs 5, 200 simultaneous submissions start in submission
 * (JobID) order, never more than 5 at once (read back from the event log's sequence numbers), queued jobs show their
 * QueuePosition, and queued jobs survive a SIGTERM restart.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import type { JobSummary, TestEvent } from "../../src/api/types.js";
import { request, tempDir } from "../helpers.js";
import {
  allEvents,
  getStatus,
  killAllServers,
  sleepStep,
  spawnServer,
  stepsJob,
  submitJob,
  until,
} from "./server-process.js";

const LIMIT = 5;
const FLAGS = ["--max-running-jobs", String(LIMIT)];
const ENDS = new Set(["JobStatePaused", "JobStateCompleted", "JobStateFailed", "JobStateCancelled"]);

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDir("ordo-queue-");
  dirs.push(d);
  return d;
}

after(async () => {
  await killAllServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Submits `n` one-sleep jobs all at once (each on its own target); their IDs in ascending order. */
async function submitMany(url: string, n: number, duration: string, prefix: string): Promise<number[]> {
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      submitJob(url, stepsJob(`${prefix}-${i}`, [sleepStep(duration)], { targets: [`${prefix}${i}`] })),
    ),
  );
  return ids.sort((a, b) => a - b);
}

/** Every event of each job, fetched a few jobs at a time. */
async function eventsOf(url: string, ids: number[]): Promise<Map<number, TestEvent[]>> {
  const out = new Map<number, TestEvent[]>();
  for (let i = 0; i < ids.length; i += 20) {
    const batch = ids.slice(i, i + 20);
    const lists = await Promise.all(batch.map((id) => allEvents(url, id)));
    for (const [k, id] of batch.entries()) out.set(id, lists[k] ?? []);
  }
  return out;
}

/** The most jobs running at once: JobStateStarted opens a running span, a pause or terminal state closes it. */
function maxOverlap(events: Map<number, TestEvent[]>): number {
  const marks: [number, number][] = [];
  for (const list of events.values())
    for (const e of list) {
      if (e.EventName === "JobStateStarted") marks.push([e.Seq, 1]);
      else if (ENDS.has(e.EventName)) marks.push([e.Seq, -1]);
    }
  marks.sort((a, b) => a[0] - b[0]);
  let running = 0;
  let max = 0;
  for (const [, d] of marks) {
    running += d;
    max = Math.max(max, running);
  }
  return max;
}

/** The sequence number of each job's first JobStateStarted, in JobID order. */
function firstStarts(ids: number[], events: Map<number, TestEvent[]>): number[] {
  return ids.map((id) => {
    const started = events.get(id)?.find((e) => e.EventName === "JobStateStarted");
    assert.ok(started, `job ${id} started`);
    return started.Seq;
  });
}

function assertAscending(values: number[], what: string): void {
  const out = values.findIndex((v, i) => i > 0 && v <= (values[i - 1] as number));
  assert.equal(out, -1, `${what}: not ascending at index ${out}: ${values.slice(Math.max(0, out - 2), out + 2)}`);
}

async function queuedInList(url: string): Promise<JobSummary[]> {
  const res = await request<{ jobs: JobSummary[] }>(url, "/api/v1/jobs?state=JobStateUnknown&limit=1000");
  assert.equal(res.status, 200, res.text);
  return res.body.jobs;
}

async function untilAllCompleted(url: string, ids: number[], timeoutMs: number): Promise<void> {
  await until(
    "every job to complete",
    async () => {
      const res = await request<{ jobs: JobSummary[] }>(url, "/api/v1/jobs?limit=1000");
      const byId = new Map(res.body.jobs.map((j) => [j.JobID, j.State]));
      const bad = ids.filter((id) => byId.get(id) === "JobStateFailed" || byId.get(id) === "JobStateCancelled");
      assert.deepEqual(bad, [], "no job failed");
      return ids.every((id) => byId.get(id) === "JobStateCompleted") ? true : undefined;
    },
    timeoutMs,
    200,
  );
}

describe("queue", () => {
  test("200 simultaneous submissions start in JobID order, at most 5 at a time, showing their queue position", async (t) => {
    const server = await spawnServer(dataDir(), FLAGS);
    const ids = await submitMany(server.url, 200, "60ms", "Q");

    // Right after the burst most jobs wait: the last one is queued, and List numbers the queue in JobID order.
    const last = await getStatus(server.url, ids.at(-1) as number);
    assert.equal(last.State, "JobStateUnknown");
    assert.ok(last.QueuePosition !== null && last.QueuePosition >= 1, `queue position ${last.QueuePosition}`);
    const queued = (await queuedInList(server.url)).filter((j) => j.QueuePosition !== null);
    assert.ok(queued.length >= 50, `${queued.length} jobs listed with a queue position`);
    assert.ok((queued[0]?.QueuePosition ?? 0) >= 1);
    assertAscending(
      queued.map((j) => j.QueuePosition as number),
      "queue positions in JobID order",
    );

    await untilAllCompleted(server.url, ids, 75_000);
    const events = await eventsOf(server.url, ids);
    await server.stop();
    assertAscending(firstStarts(ids, events), "JobStateStarted in JobID order");
    const max = maxOverlap(events);
    assert.ok(max <= LIMIT, `${max} jobs ran at once`);
    assert.ok(max > 1, "jobs ran concurrently");
    t.diagnostic(`at most ${max} jobs running at once; queue positions seen up to ${queued.at(-1)?.QueuePosition}`);
  });

  test("queued jobs survive a SIGTERM restart and still start in JobID order", async () => {
    const dir = dataDir();
    const server = await spawnServer(dir, FLAGS);
    const ids = await submitMany(server.url, 40, "500ms", "R");
    const waiting = (await queuedInList(server.url)).filter((j) => j.QueuePosition !== null);
    assert.ok(waiting.length >= 15, `${waiting.length} jobs queued at the SIGTERM`);
    const exit = await server.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, server.logs.join("\n"));

    const again = await spawnServer(dir, FLAGS);
    const last = await getStatus(again.url, ids.at(-1) as number);
    assert.equal(last.State, "JobStateUnknown", "the last job is still waiting after the restart");
    assert.ok(last.QueuePosition !== null && last.QueuePosition >= 1, `queue position ${last.QueuePosition}`);
    await untilAllCompleted(again.url, ids, 60_000);
    const events = await eventsOf(again.url, ids);
    await again.stop();
    assertAscending(firstStarts(ids, events), "JobStateStarted in JobID order");
    assert.ok(maxOverlap(events) <= LIMIT, "never more than 5 running, before or after the restart");
    const resumed = [...events.values()].filter((list) => list.some((e) => e.EventName === "JobStatePaused")).length;
    assert.ok(resumed <= LIMIT, `${resumed} running jobs were paused`);
  });
});
