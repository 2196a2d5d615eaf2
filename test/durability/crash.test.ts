/**
 * `kill -9` loses nothing that was acknowledged: every job a client got a 2xx for exists after a restart and runs to
 * completion (on-crash "rerun"); with on-crash "fail" the jobs left running fail, saying why, and free their targets.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import type { JobSummary } from "../../src/api/types.js";
import { type HttpResult, request, tempDir } from "../helpers.js";
import {
  allEvents,
  getStatus,
  killAllServers,
  postJob,
  sleepStep,
  spawnServer,
  stepsJob,
  submitJob,
  until,
  untilEvent,
  untilState,
} from "./server-process.js";

const JOBS = 1000;
const CLIENTS = 50;
const KILL_AFTER_ACKS = 500;
const TERMINAL = new Set(["JobStateCompleted", "JobStateFailed", "JobStateCancelled"]);

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDir("ordo-crash-");
  dirs.push(d);
  return d;
}

after(async () => {
  await killAllServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every job the server knows, all pages. */
async function listAll(url: string): Promise<JobSummary[]> {
  const all: JobSummary[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const res: HttpResult<{ jobs: JobSummary[]; next: number | null }> = await request(
      url,
      `/api/v1/jobs?limit=1000&after=${after}`,
    );
    if (res.status !== 200) throw new Error(`list: ${res.status} ${res.text}`);
    all.push(...res.body.jobs);
    after = res.body.next;
  }
  return all;
}

describe("crash recovery", () => {
  test("kill -9 during 1,000 concurrent submissions loses no acknowledged job, and every one completes", async (t) => {
    const dir = dataDir();
    const flags = ["--max-running-jobs", "50"];
    const server = await spawnServer(dir, flags);
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    let refusedBeforeKill = 0;
    const client = async () => {
      while (!killed && next < JOBS) {
        const i = next++;
        const res = await postJob(
          server.url,
          stepsJob(`crash-${i}`, [sleepStep("200ms")], { targets: [`C${i}`] }),
        ).catch(() => undefined);
        if (res === undefined) return; // the server is gone
        if (res.status >= 200 && res.status < 300) acked.push((res.body as { JobID: number }).JobID);
        else if (!killed) refusedBeforeKill++;
        if (acked.length >= KILL_AFTER_ACKS && !killed) {
          killed = true;
          server.child.kill("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const exit = await server.exited;
    assert.equal(exit.signal, "SIGKILL", "the server was killed part-way");
    const ackedBeforeKill = acked.length;

    const restartedAt = Date.now();
    const again = await spawnServer(dir, flags);
    const jobs = await listAll(again.url);
    const known = new Set(jobs.map((j) => j.JobID));
    const missing = acked.filter((id) => !known.has(id));
    assert.deepEqual(missing, [], "every acknowledged job is stored");
    for (const id of acked.slice(0, 20).concat(acked.slice(-20))) await getStatus(again.url, id); // 200 by ID too

    const final = await until(
      "every job to reach a terminal state",
      async () => {
        const list = await listAll(again.url);
        return list.every((j) => TERMINAL.has(j.State)) ? list : undefined;
      },
      75_000,
      250,
    );
    const recoveryMs = Date.now() - restartedAt;
    const notCompleted = final.filter((j) => j.State !== "JobStateCompleted").map((j) => `${j.JobID}:${j.State}`);
    assert.deepEqual(notCompleted, [], "every job completed");
    // The jobs the crash interrupted were re-run (policy "rerun"), which their JobStateStarted records.
    let rerun = 0;
    for (let i = 0; i < final.length; i += 25) {
      const batch = await Promise.all(final.slice(i, i + 25).map((j) => allEvents(again.url, j.JobID)));
      rerun += batch.filter((events) =>
        events.some((e) => e.EventName === "JobStateStarted" && (e.Payload as { Recovered?: string })?.Recovered),
      ).length;
    }
    await again.stop();
    assert.ok(rerun > 0, "some jobs were running when the server was killed");
    t.diagnostic(
      `${ackedBeforeKill} acknowledged before kill -9 (of ${next} sent, ${refusedBeforeKill} refused), ${jobs.length} stored ` +
        `(${jobs.length - acked.length} stored but unacknowledged), ${rerun} were running and re-ran; ` +
        `all completed ${recoveryMs} ms after the restart`,
    );
  });

  test("on-crash fail: jobs left running fail with a clear reason and their targets are unlocked", async () => {
    const dir = dataDir();
    const server = await spawnServer(dir);
    const jobId = await submitJob(server.url, stepsJob("zombie", [sleepStep("60s")], { targets: ["shared"] }));
    await untilEvent(server.url, jobId, "TargetIn of the sleep step", (e) => e.EventName === "TargetIn");
    server.child.kill("SIGKILL");
    await server.exited;

    const again = await spawnServer(dir, ["--on-crash", "fail"]);
    const s = await getStatus(again.url, jobId);
    assert.equal(s.State, "JobStateFailed");
    assert.match(s.StateErrMsg, /server stopped while the job was running.*on-crash policy: fail/);
    // The lock TTL (30 s) is far longer than this job's acquire timeout: it only gets the target if it was unlocked.
    const next = await submitJob(
      again.url,
      stepsJob("after-zombie", [sleepStep("10ms")], { targets: ["shared"], acquireTimeout: "5s" }),
    );
    const done = await untilState(again.url, next, ["JobStateCompleted", "JobStateFailed"], 20_000);
    await again.stop();
    assert.equal(done.State, "JobStateCompleted", done.StateErrMsg);
  });
});
