/**
 * Stop, target locks, Retry and List, over both HTTP faces of a real server: a stop kills the running cmd child
 * and ends in JobStateCancelled; a target serves one job at a time; a retry is a new job that records what it
 * retries; List filters by any of the states and all of the tags.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import type { JobStatus, TestEvent } from "../../src/api/types.js";
import { jobEvents, waitForEvent } from "../contest/job-events.js";
import { jobStatus, postForm, request, simpleDescriptor, submit, useTestServer, waitForState } from "../helpers.js";

const srv = useTestServer();

const ENDED = ["JobStateCompleted", "JobStateFailed", "JobStateCancelled"] as const;
const asRequestor = { "x-ordo-requestor": "tester" };

interface Envelope<T> {
  ServerID: string;
  Type: string;
  Data: T | null;
  Error: string | null;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

const cmdStep = (label: string, executable: string, args: (string | number)[]) => ({
  name: "cmd",
  label,
  parameters: { executable: [executable], args },
});

/** A job holding `target` for `seconds` in a real `sleep` child process. */
const sleeper = (target: string, seconds: string, tags: string[] = []) =>
  simpleDescriptor({ name: `sleep-${target}`, targets: [target], tags, steps: [cmdStep("nap", "sleep", [seconds])] });

/** How many `sleep <seconds>` processes are running (Linux /proc), whatever path `sleep` was run from. */
function sleepsRunning(seconds: string): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const [argv0, arg1] = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (basename(argv0 ?? "") === "sleep" && arg1 === seconds) n++;
    } catch {}
  }
  return n;
}

test("stop during a long cmd kills the child, ends JobStateCancelled promptly, and frees the target", async () => {
  // A unique duration names this test's child among the machine's processes.
  const seconds = `30.${process.pid}`;
  const id = await submit(srv.url, sleeper("stop-target", seconds));
  await waitForEvent(srv.url, id, (e) => e.EventName === "CmdStart");
  assert.equal(sleepsRunning(seconds), 1, "the cmd step's child is running");

  const stop = await request<{ JobID: number }>(srv.url, `/api/v1/jobs/${id}/stop`, {
    method: "POST",
    headers: asRequestor,
  });
  assert.equal(stop.status, 202, stop.text);
  assert.deepEqual(stop.body, { JobID: id });
  const stoppedAt = Date.now();
  // "Promptly": the 30 s child must not be waited for. 2 s leaves room for a loaded CI machine while still
  // failing if the stop waited for the child, the acquire/release timeouts (5 m) or a lock expiry (30 s).
  const status = await waitForState(srv.url, id, ["JobStateCancelled", "JobStateCompleted", "JobStateFailed"], 5_000);
  const elapsed = Date.now() - stoppedAt;
  assert.equal(status.State, "JobStateCancelled", status.StateErrMsg);
  assert.ok(elapsed < 2_000, `cancelled ${elapsed} ms after the stop reply`);

  const events = await jobEvents(srv.url, id);
  const names = events.map((e) => e.EventName);
  assert.ok(names.includes("JobStateCancelling"), names.join());
  assert.equal(names.at(-1), "JobStateCancelled");
  assert.ok(!names.includes("CmdEnd"), "the killed cmd never reports an end");
  assert.deepEqual(
    events.filter((e) => e.EventName === "TargetReleased").map((e) => e.Target?.ID),
    ["stop-target"],
  );
  // SIGKILL was sent when the stop arrived; give the kernel a moment to reap the child.
  for (let i = 0; i < 20 && sleepsRunning(seconds) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(sleepsRunning(seconds), 0, "the cmd step's child was killed");

  // The lock is free: a second job on the same target acquires it at once and completes.
  const next = await submit(srv.url, simpleDescriptor({ name: "after-stop", targets: ["stop-target"] }));
  const done = await waitForState(srv.url, next, [...ENDED], 10_000);
  assert.equal(done.State, "JobStateCompleted", done.StateErrMsg);
});

test("stop over the ConTest face replies with an empty Data and cancels the job", async () => {
  const id = await submit(srv.url, sleeper("contest-stop", "30"));
  await waitForEvent(srv.url, id, (e) => e.EventName === "CmdStart");
  const res = await postForm<Envelope<Record<string, never>>>(srv.url, "/stop", {
    jobID: String(id),
    requestor: "contestcli",
  });
  assert.deepEqual(res.body, { ServerID: "test-server", Type: "ResponseTypeStop", Data: {}, Error: null });
  const status = await waitForState(srv.url, id, [...ENDED], 5_000);
  assert.equal(status.State, "JobStateCancelled");
});

test("jobs on the same target never hold it at the same time", async () => {
  const ids = await Promise.all(
    [1, 2, 3].map((n) =>
      submit(
        srv.url,
        simpleDescriptor({ name: `shared-${n}`, targets: ["shared"], steps: [cmdStep("nap", "sleep", ["0.3"])] }),
      ),
    ),
  );
  for (const id of ids) {
    const s = await waitForState(srv.url, id, [...ENDED], 20_000);
    assert.equal(s.State, "JobStateCompleted", s.StateErrMsg);
  }
  const holds = await Promise.all(
    ids.map(async (id) => {
      const events = await jobEvents(srv.url, id, { target: "shared" });
      const one = (name: string) => {
        const found = events.filter((e) => e.EventName === name);
        assert.equal(found.length, 1, `job ${id}: ${found.length} ${name}`);
        return found[0] as TestEvent;
      };
      const acquired = one("TargetAcquired");
      const released = one("TargetReleased");
      const cmd = [one("CmdStart"), one("CmdEnd")];
      for (const e of cmd) assert.ok(e.Seq > acquired.Seq && e.Seq < released.Seq, "the step runs while held");
      return { id, acquired, released };
    }),
  );
  holds.sort((a, b) => a.acquired.Seq - b.acquired.Seq);
  for (let i = 1; i < holds.length; i++) {
    const prev = holds[i - 1] as (typeof holds)[number];
    const cur = holds[i] as (typeof holds)[number];
    assert.ok(
      cur.acquired.Seq > prev.released.Seq,
      `job ${cur.id} acquired (seq ${cur.acquired.Seq}) before job ${prev.id} released (seq ${prev.released.Seq})`,
    );
    assert.ok(Date.parse(cur.acquired.EmitTime) >= Date.parse(prev.released.EmitTime));
  }
});

test("retry of a finished job starts a new job that completes and records which job it retries", async () => {
  const id = await submit(srv.url, simpleDescriptor({ name: "to-retry", targets: ["R1"], tags: ["again"] }));
  await waitForState(srv.url, id, [...ENDED]);

  const rest = await request<{ JobID: number; NewJobID: number }>(srv.url, `/api/v1/jobs/${id}/retry`, {
    method: "POST",
    headers: asRequestor,
  });
  assert.equal(rest.status, 201, rest.text);
  assert.equal(rest.body.JobID, id);
  assert.ok(rest.body.NewJobID > id);
  assert.equal(rest.headers.get("location"), `/api/v1/jobs/${rest.body.NewJobID}`);

  const contest = await postForm<Envelope<{ JobID: number; NewJobID: number }>>(srv.url, "/retry", {
    jobID: String(id),
    requestor: "contestcli",
  });
  assert.equal(contest.body.Error, null);
  assert.equal(contest.body.Type, "ResponseTypeRetry");
  assert.equal(contest.body.Data?.JobID, id);
  assert.ok((contest.body.Data?.NewJobID ?? 0) > rest.body.NewJobID);

  for (const [newId, requestor] of [
    [rest.body.NewJobID, "tester"],
    [contest.body.Data?.NewJobID as number, "contestcli"],
  ] as const) {
    const s: JobStatus = await waitForState(srv.url, newId, [...ENDED]);
    assert.equal(s.State, "JobStateCompleted", s.StateErrMsg);
    assert.equal(s.RetryOf, id);
    assert.equal(s.Name, "to-retry");
    assert.equal(s.Requestor, requestor);
    assert.deepEqual(s.Tags, ["again"]);
    const echoed = await jobEvents(srv.url, newId, { name: "EchoMessage" });
    assert.deepEqual(
      echoed.map((e) => (e.Payload as { Msg: string }).Msg),
      ["hello R1"],
    );
  }
  assert.equal((await jobStatus(srv.url, id)).RetryOf, null);
});

test("retry of a running job is a conflict, and stop of a finished job is a conflict", async () => {
  const running = await submit(srv.url, sleeper("conflict", "30"));
  await waitForEvent(srv.url, running, (e) => e.EventName === "CmdStart");
  const jobCount = async () =>
    (await request<{ jobs: unknown[] }>(srv.url, "/api/v1/jobs?limit=1000")).body.jobs.length;
  const before = await jobCount();

  const retry = await request<Problem>(srv.url, `/api/v1/jobs/${running}/retry`, {
    method: "POST",
    headers: asRequestor,
  });
  assert.equal(retry.status, 409);
  assert.equal(retry.headers.get("content-type"), "application/problem+json; charset=utf-8");
  const stillRunning = `job ${running} is still running (state JobStateStarted): stop it or wait for it to end`;
  assert.deepEqual(
    { ...retry.body, instance: undefined },
    {
      type: "https://ordo.dev/errors/ORDO_ERR_JOB_STILL_RUNNING",
      title: "Conflict",
      status: 409,
      detail: stillRunning,
      code: "ORDO_ERR_JOB_STILL_RUNNING",
      instance: undefined,
    },
  );
  const contestRetry = await postForm<Envelope<unknown>>(srv.url, "/retry", {
    jobID: String(running),
    requestor: "contestcli",
  });
  assert.equal(contestRetry.status, 200);
  assert.deepEqual(contestRetry.body, {
    ServerID: "test-server",
    Type: "ResponseTypeRetry",
    Data: null,
    Error: stillRunning,
  });

  await request(srv.url, `/api/v1/jobs/${running}/stop`, { method: "POST", headers: asRequestor });
  await waitForState(srv.url, running, ["JobStateCancelled"], 5_000);

  const stop = await request<Problem>(srv.url, `/api/v1/jobs/${running}/stop`, {
    method: "POST",
    headers: asRequestor,
  });
  assert.equal(stop.status, 409);
  const notRunning = `job ${running} is not running (state JobStateCancelled)`;
  assert.equal(stop.body.code, "ORDO_ERR_JOB_NOT_RUNNING");
  assert.equal(stop.body.title, "Conflict");
  assert.equal(stop.body.detail, notRunning);
  const contestStop = await postForm<Envelope<unknown>>(srv.url, "/stop", {
    jobID: String(running),
    requestor: "contestcli",
  });
  assert.deepEqual(contestStop.body, {
    ServerID: "test-server",
    Type: "ResponseTypeStop",
    Data: null,
    Error: notRunning,
  });
  // The refused retries made no job.
  assert.equal(await jobCount(), before);
});

test("List filters by any of the states and all of the tags, on both faces", async () => {
  const tag = `list${process.pid}`;
  const both = await submit(srv.url, simpleDescriptor({ name: "both", targets: ["L1"], tags: [tag, "red", "blue"] }));
  const red = await submit(srv.url, simpleDescriptor({ name: "red", targets: ["L2"], tags: [tag, "red"] }));
  const cancelled = await submit(srv.url, sleeper("L3", "30", [tag, "blue"]));
  const running = await submit(srv.url, sleeper("L4", "30", [tag, "red"]));
  await waitForState(srv.url, both, ["JobStateCompleted"]);
  await waitForState(srv.url, red, ["JobStateCompleted"]);
  await waitForEvent(srv.url, cancelled, (e) => e.EventName === "CmdStart");
  await waitForEvent(srv.url, running, (e) => e.EventName === "CmdStart");
  await request(srv.url, `/api/v1/jobs/${cancelled}/stop`, { method: "POST", headers: asRequestor });
  await waitForState(srv.url, cancelled, ["JobStateCancelled"], 5_000);

  const contestList = async (fields: Record<string, string | string[]>) => {
    const res = await postForm<Envelope<{ JobIDs: number[] }>>(srv.url, "/list", {
      requestor: "contestcli",
      ...fields,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.Error, null);
    assert.equal(res.body.Type, "ResponseTypeList");
    return res.body.Data?.JobIDs ?? [];
  };
  const restList = async (query: string) => {
    const res = await request<{ jobs: { JobID: number; State: string; Tags: string[] }[] }>(
      srv.url,
      `/api/v1/jobs?${query}`,
    );
    assert.equal(res.status, 200, res.text);
    return res.body.jobs.map((j) => j.JobID);
  };

  const cases: { states: string[]; tags: string[]; want: number[] }[] = [
    { states: [], tags: [tag], want: [both, red, cancelled, running] },
    { states: ["JobStateCompleted", "JobStateCancelled"], tags: [tag], want: [both, red, cancelled] },
    { states: ["JobStateCancelled"], tags: [tag], want: [cancelled] },
    { states: ["JobStateStarted"], tags: [tag], want: [running] },
    { states: [], tags: [tag, "red"], want: [both, red, running] },
    { states: [], tags: [tag, "red", "blue"], want: [both] },
    { states: ["JobStateCompleted"], tags: [tag, "blue"], want: [both] },
    { states: ["JobStateFailed"], tags: [tag], want: [] },
    { states: [], tags: [tag, "green"], want: [] },
  ];
  for (const c of cases) {
    const label = JSON.stringify(c);
    // ConTest face: repeated form fields, as contestcli sends them.
    assert.deepEqual(await contestList({ states: c.states, tags: c.tags }), c.want, `/list ${label}`);
    // REST: repeated query parameters, and comma-separated ones.
    const repeated = new URLSearchParams([
      ...c.states.map((s): [string, string] => ["state", s]),
      ...c.tags.map((t): [string, string] => ["tag", t]),
    ]).toString();
    assert.deepEqual(await restList(repeated), c.want, `REST ${repeated}`);
    const commas = new URLSearchParams({
      ...(c.states.length ? { state: c.states.join(",") } : {}),
      tag: c.tags.join(","),
    }).toString();
    assert.deepEqual(await restList(commas), c.want, `REST ${commas}`);
  }
  // contestcli may also send one comma-separated field.
  assert.deepEqual(await contestList({ states: "JobStateCompleted,JobStateCancelled", tags: `${tag},blue` }), [
    both,
    cancelled,
  ]);

  await request(srv.url, `/api/v1/jobs/${running}/stop`, { method: "POST", headers: asRequestor });
  await waitForState(srv.url, running, ["JobStateCancelled"], 5_000);
});
