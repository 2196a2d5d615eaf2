/**
 * ConTest's pause/resume scenario against real processes: SIGTERM pauses running jobs with a resume state and the
 * next start continues them, with nothing in the event log duplicated or lost; SIGUSR1 drains; a second signal
 * cancels a pause that waits on a step that cannot pause.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { TestEvent } from "../../src/api/types.js";
import { SAMPLES_DIR, tempDir } from "../helpers.js";
import {
  allEvents,
  cmdStep,
  delay,
  getStatus,
  killAllServers,
  launchServer,
  postJob,
  type ServerProcess,
  sleepStep,
  spawnServer,
  stepsJob,
  submitJob,
  untilEvent,
  untilLog,
  untilState,
} from "./server-process.js";

const RESTARTS = 20;
const STEP_EVENTS = new Set(["TargetIn", "TargetOut", "TargetErr", "CmdStdout", "CmdStderr", "CmdStart", "CmdEnd"]);

/** What must be identical between an interrupted and an uninterrupted run: the step-level events, in order. */
function stepTrace(events: TestEvent[]): string[] {
  return events
    .filter((e) => STEP_EVENTS.has(e.EventName))
    .map((e) => {
      const msg = (e.Payload as { Msg?: unknown } | null)?.Msg;
      return JSON.stringify([e.RunID, e.TestName, e.TestAttempt, e.TestStepLabel, e.Target?.ID, e.EventName, msg]);
    });
}

/** Every event name, in order, with the ones a pause adds taken out. */
function nameTrace(events: TestEvent[]): string[] {
  return events
    .filter((e) => e.EventName !== "JobStatePaused")
    .filter((e) => !(e.EventName === "JobStateStarted" && (e.Payload as { Resumed?: boolean } | null)?.Resumed))
    .map((e) => `${e.RunID}/${e.TestName}/${e.TestStepLabel}/${e.Target?.ID ?? ""}/${e.EventName}`);
}

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDir("ordo-dur-");
  dirs.push(d);
  return d;
}

after(async () => {
  await killAllServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("pause and resume across restarts", () => {
  test("a job interrupted by 20 SIGTERM restarts completes with the event log of an uninterrupted run", async (t) => {
    const yaml = readFileSync(join(SAMPLES_DIR, "test-resume.yaml"), "utf8");

    // The reference: the same descriptor run once without interruption, in parallel on its own data directory.
    const reference = (async () => {
      const server = await spawnServer(dataDir());
      try {
        const id = await submitJob(server.url, yaml);
        await untilState(server.url, id, ["JobStateCompleted", "JobStateFailed"], 60_000);
        return await allEvents(server.url, id);
      } finally {
        await server.stop();
      }
    })();
    reference.catch(() => {}); // awaited below; this only keeps an early failure here from going unhandled

    const dir = dataDir();
    let server = await spawnServer(dir);
    const jobId = await submitJob(server.url, yaml);
    let pausedStops = 0;
    let startedAt = Date.now();
    for (let i = 0; i < RESTARTS; i++) {
      await delay(Math.max(0, startedAt + 1000 - Date.now())); // about one restart a second
      const exit = await server.stop("SIGTERM");
      assert.deepEqual(exit, { code: 0, signal: null }, `restart ${i}: exit\n${server.logs.join("\n")}`);
      startedAt = Date.now();
      server = await spawnServer(dir);
      const s = await getStatus(server.url, jobId);
      assert.notEqual(s.State, "JobStateFailed", `restart ${i}: job failed: ${s.StateErrMsg}`);
      if (s.State !== "JobStateCompleted") pausedStops++;
    }
    const done = await untilState(server.url, jobId, ["JobStateCompleted", "JobStateFailed"], 60_000);
    const events = await allEvents(server.url, jobId);
    await server.stop();

    assert.equal(done.State, "JobStateCompleted", done.StateErrMsg);
    const failed = events.filter((e) => e.EventName === "JobStateFailed" || e.EventName === "JobStateCancelled");
    assert.deepEqual(failed, [], "the job never failed nor was cancelled");
    const pauses = events.filter((e) => e.EventName === "JobStatePaused").length;
    const resumes = events.filter(
      (e) => e.EventName === "JobStateStarted" && (e.Payload as { Resumed?: boolean } | null)?.Resumed === true,
    ).length;
    assert.ok(pauses >= 1, "the job was paused at least once");
    assert.equal(resumes, pauses, "every pause was followed by a resume");

    const ref = await reference;
    assert.equal(ref.at(-1)?.EventName, "JobStateCompleted");
    assert.deepEqual(stepTrace(events), stepTrace(ref), "step events: nothing duplicated, nothing missing");
    assert.deepEqual(nameTrace(events), nameTrace(ref), "the only extra events are JobStatePaused and resumes");
    t.diagnostic(`paused ${pauses} times over ${RESTARTS} restarts (${pausedStops} while unfinished)`);
  });

  test("a SIGTERM during start-up, after recovery resumed a job, pauses it again instead of killing the process", async () => {
    const dir = dataDir();
    let server: ServerProcess = await spawnServer(dir);
    const jobId = await submitJob(server.url, stepsJob("early", [cmdStep("echo", ["once"], "say"), sleepStep("30s")]));
    await untilEvent(
      server.url,
      jobId,
      "TargetIn of the sleep step",
      (e) => e.EventName === "TargetIn" && e.TestStepLabel === "nap",
    );
    assert.deepEqual(await server.stop("SIGTERM"), { code: 0, signal: null }, server.logs.join("\n"));

    // Recovery resumes the job before the listeners are up; the signal lands in between.
    const starting = launchServer(dir);
    await untilLog(starting, "job resumed");
    starting.child.kill("SIGTERM");
    assert.deepEqual(await starting.exited, { code: 0, signal: null }, starting.logs.join("\n"));

    server = await spawnServer(dir);
    const events = await allEvents(server.url, jobId);
    await server.stop();
    const crashed = events.filter((e) => (e.Payload as { Recovered?: string } | null)?.Recovered === "crash");
    assert.deepEqual(crashed, [], "the job was never treated as crashed");
    assert.equal(events.filter((e) => e.EventName === "CmdStdout").length, 1, "the cmd step ran once");
    assert.ok(!events.some((e) => e.EventName === "JobStateFailed"));
  });

  test("SIGUSR1 lets the running job finish before the process exits", async () => {
    const dir = dataDir();
    let server: ServerProcess = await spawnServer(dir);
    const jobId = await submitJob(server.url, stepsJob("drained", [sleepStep("1500ms")]));
    await untilEvent(server.url, jobId, "TargetIn of the sleep step", (e) => e.EventName === "TargetIn");
    server.child.kill("SIGUSR1");
    await untilLog(server, "shutting down (drain)");
    // While draining, new jobs are refused (the listener keeps answering until the running job has finished).
    const refused = await postJob(server.url, stepsJob("late", [sleepStep("10ms")])).catch(() => undefined);
    if (refused) assert.equal(refused.status, 503, refused.text);
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, server.logs.join("\n"));

    server = await spawnServer(dir);
    const s = await getStatus(server.url, jobId);
    const names = (await allEvents(server.url, jobId)).map((e) => e.EventName);
    await server.stop();
    assert.equal(s.State, "JobStateCompleted", "the job completed before the process exited");
    assert.ok(!names.includes("JobStatePaused"), `a drain does not pause: ${names.join(",")}`);
    assert.equal(names.filter((n) => n === "JobStateStarted").length, 1, "the job ran once");
  });

  test("a second SIGTERM during a slow pause cancels the job at once and the process exits", async () => {
    const dir = dataDir();
    let server: ServerProcess = await spawnServer(dir);
    // `cmd sleep 5` cannot pause: the first SIGTERM waits for it (up to the 30 s pause timeout).
    const jobId = await submitJob(server.url, stepsJob("slow", [cmdStep("sleep", ["5"], "slow")]));
    await untilEvent(server.url, jobId, "CmdStart", (e) => e.EventName === "CmdStart");
    server.child.kill("SIGTERM");
    await delay(300);
    assert.equal(server.child.exitCode, null, "the first SIGTERM waits for the step that cannot pause");
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, server.logs.join("\n"));

    server = await spawnServer(dir);
    const s = await getStatus(server.url, jobId);
    const events = await allEvents(server.url, jobId);
    await server.stop();
    const names = events.map((e) => e.EventName);
    assert.equal(s.State, "JobStateCancelled", s.StateErrMsg);
    assert.ok(!names.includes("CmdEnd"), "the step was killed, not waited for");
    assert.ok(!names.includes("JobStatePaused"), "the job was cancelled, not paused");
    assert.ok(names.includes("TargetReleased"), "the cancelled job released its target");
  });
});
