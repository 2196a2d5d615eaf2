/**
 * Runs and target locks: Runs 0 runs until stopped with RunInterval between runs; a target locked by another
 * job past TargetManagerAcquireTimeout fails the waiting job; a held lock is refreshed, so it never expires
 * under a job that is still using the target.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TestEvent } from "../../src/api/types.js";
import { jobEvents, waitForEvent } from "../contest/job-events.js";
import { request, simpleDescriptor, startTestServer, submit, type TestServer, waitForState } from "../helpers.js";

const ENDED = ["JobStateCompleted", "JobStateFailed", "JobStateCancelled"] as const;
const asRequestor = { "x-ordo-requestor": "tester" };
const napStep = (seconds: string) => ({
  name: "cmd",
  label: "nap",
  parameters: { executable: ["sleep"], args: [seconds] },
});

async function stopJob(url: string, id: number): Promise<void> {
  const res = await request(url, `/api/v1/jobs/${id}/stop`, { method: "POST", headers: asRequestor });
  assert.equal(res.status, 202, res.text);
}

describe("with the default lock TTL", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  test("Runs 0 runs again and again, RunInterval apart, until stopped; a stopped job has no final report", async () => {
    const desc = { ...simpleDescriptor({ name: "forever", targets: ["F1"], runs: 0 }), RunInterval: "200ms" };
    const id = await submit(srv.url, desc);
    await waitForEvent(srv.url, id, (e) => e.EventName === "RunStarted" && e.RunID === 3);
    await stopJob(srv.url, id);
    const status = await waitForState(srv.url, id, [...ENDED], 5_000);
    assert.equal(status.State, "JobStateCancelled", status.StateErrMsg);

    const runs = await jobEvents(srv.url, id);
    const at = (name: string, run: number) =>
      Date.parse((runs.find((e) => e.EventName === name && e.RunID === run) as TestEvent).EmitTime);
    for (const run of [1, 2]) {
      const gap = at("RunStarted", run + 1) - at("RunEnded", run);
      // A lower bound only: the next run must not start before RunInterval has passed.
      assert.ok(gap >= 195, `run ${run + 1} started ${gap} ms after run ${run} ended`);
    }
    // Run reporters ran after each finished run; final reporters only run after a normal completion.
    assert.ok(status.JobReport.RunReports.length >= 2);
    for (const r of status.JobReport.RunReports) assert.equal(r[0]?.Success, true);
    assert.deepEqual(status.JobReport.FinalReports, []);
  });

  test("a target locked by another job past TargetManagerAcquireTimeout fails the waiting job", async () => {
    const holder = await submit(
      srv.url,
      simpleDescriptor({ name: "holder", targets: ["busy"], steps: [napStep("30")] }),
    );
    await waitForEvent(srv.url, holder, (e) => e.EventName === "CmdStart");
    const waiter = await submit(srv.url, {
      ...simpleDescriptor({ name: "waiter", targets: ["busy"] }),
      TargetManagerAcquireTimeout: "300ms",
    });
    const status = await waitForState(srv.url, waiter, [...ENDED], 10_000);
    assert.equal(status.State, "JobStateFailed");
    assert.match(status.StateErrMsg, /busy stayed locked by another job/);
    const events = await jobEvents(srv.url, waiter);
    assert.equal(events.filter((e) => e.EventName === "TargetAcquireErr").length, 1);
    assert.equal(events.filter((e) => e.EventName === "TargetAcquired").length, 0);
    assert.equal(events.filter((e) => e.EventName === "TargetIn").length, 0, "no step ran without the target");

    await stopJob(srv.url, holder);
    assert.equal((await waitForState(srv.url, holder, [...ENDED], 5_000)).State, "JobStateCancelled");
  });
});

describe("with a 300 ms lock TTL", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ lockTtl: "300ms" });
  });
  after(() => srv.close());

  test("a held lock is refreshed: another job waits for a step five TTLs long to finish", async () => {
    const first = await submit(srv.url, simpleDescriptor({ name: "long", targets: ["held"], steps: [napStep("1.5")] }));
    await waitForEvent(srv.url, first, (e) => e.EventName === "CmdStart");
    const second = await submit(srv.url, simpleDescriptor({ name: "next", targets: ["held"] }));
    for (const id of [first, second]) {
      const s = await waitForState(srv.url, id, [...ENDED], 10_000);
      assert.equal(s.State, "JobStateCompleted", s.StateErrMsg);
    }
    const released = (await jobEvents(srv.url, first, { name: "TargetReleased" }))[0] as TestEvent;
    const end = (await jobEvents(srv.url, first, { name: "CmdEnd" }))[0] as TestEvent;
    const acquired = (await jobEvents(srv.url, second, { name: "TargetAcquired" }))[0] as TestEvent;
    assert.ok(acquired.Seq > end.Seq, "the second job took the target while the first was still using it");
    assert.ok(acquired.Seq > released.Seq);
  });
});
