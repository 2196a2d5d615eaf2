/**
 * ConTest's end-to-end scenarios (tests/e2e, tests/integ/jobmanager), re-done against a real ordo server:
 * the same descriptors, submitted over both HTTP faces, must give the events ConTest's tests expect.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import type { JobStatus, TestEvent } from "../../src/api/types.js";
import { postForm, SAMPLES_DIR, simpleDescriptor, submit, useTestServer, waitForState } from "../helpers.js";
import { jobEvents, waitForEvent } from "./job-events.js";

const srv = useTestServer();

interface Envelope<T> {
  ServerID: string;
  Type: string;
  Data: T | null;
  Error: string | null;
}

/** Submits over the ConTest face, as contestcli does (`-Y` turns YAML into JSON on the client). */
async function contestStart(jobDesc: string): Promise<number> {
  const res = await postForm<Envelope<{ JobID: number }>>(srv.url, "/start", { jobDesc, requestor: "contestcli" });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.Error, null);
  assert.equal(res.body.Type, "ResponseTypeStart");
  return res.body.Data?.JobID as number;
}

/** Polls ConTest's /status until the job has ended. */
async function contestWaitEnded(jobId: number, timeoutMs = 30_000): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await postForm<Envelope<{ Status: JobStatus }>>(srv.url, "/status", {
      jobID: String(jobId),
      requestor: "contestcli",
    });
    assert.equal(res.body.Error, null, res.text);
    const status = res.body.Data?.Status as JobStatus;
    if (!["JobStateUnknown", "JobStateStarted", "JobStateCancelling"].includes(status.State)) return status;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status.State} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stdoutOf = (events: TestEvent[]) =>
  events
    .filter((e) => e.EventName === "CmdStdout")
    .map((e) => ({
      RunID: e.RunID,
      TestName: e.TestName,
      TestStepLabel: e.TestStepLabel,
      Target: e.Target?.ID,
      Msg: (e.Payload as { Msg: string }).Msg,
    }));

const SIMPLE_EXPECTED = [1, 2].flatMap((RunID) => [
  { RunID, TestName: "Test 1", TestStepLabel: "Test1Step1", Target: "T1", Msg: "Test 1, Step 1, target T1\n" },
  { RunID, TestName: "Test 1", TestStepLabel: "Test1Step2", Target: "T1", Msg: "Test 1, Step 2, target T1\n" },
  { RunID, TestName: "Test 2", TestStepLabel: "Test2Step1", Target: "T2", Msg: "Test 2, Step 1, target T2\n" },
  { RunID, TestName: "Test 2", TestStepLabel: "Test2Step2", Target: "T2", Msg: "Test 2, Step 2, target T2\n" },
]);

test("test-simple.yaml over REST as YAML gives ConTest's CmdStdout events in order, 2 runs x 2 tests", async () => {
  const id = await submit(srv.url, readFileSync(join(SAMPLES_DIR, "test-simple.yaml"), "utf8"));
  const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"], 30_000);
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
  assert.deepEqual(stdoutOf(await jobEvents(srv.url, id)), SIMPLE_EXPECTED);
  assert.deepEqual(status.Tags, ["simple", "test"]);
  assert.deepEqual(
    status.JobReport.RunReports.map((r) => r.map((x) => [x.ReporterName, x.Success])),
    [[["TargetSuccess", true]], [["TargetSuccess", true]]],
  );
  assert.deepEqual(
    status.JobReport.FinalReports.map((x) => [x.ReporterName, x.Success]),
    [["noop", true]],
  );
});

test("test-simple.yaml as JSON over ConTest's /start gives the same events, and /status reports it completed", async () => {
  const json = JSON.stringify(parseYaml(readFileSync(join(SAMPLES_DIR, "test-simple.yaml"), "utf8")));
  const id = await contestStart(json);
  const status = await contestWaitEnded(id);
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
  assert.deepEqual(stdoutOf(await jobEvents(srv.url, id)), SIMPLE_EXPECTED);
  // The status tree, in ConTest's shape: 2 runs x 2 tests x 2 steps, each target in and out once.
  assert.deepEqual(
    status.RunStatuses.map((r) => [r.RunID, r.TestStatuses.map((t) => t.TestName)]),
    [
      [1, ["Test 1", "Test 2"]],
      [2, ["Test 1", "Test 2"]],
    ],
  );
  for (const run of status.RunStatuses)
    for (const t of run.TestStatuses) {
      assert.equal(t.TestStepStatuses.length, 2);
      for (const step of t.TestStepStatuses) {
        assert.equal(step.TestStepName, "cmd");
        assert.equal(step.TargetStatuses.length, 1);
        assert.equal(step.TargetStatuses[0]?.Error, null);
        assert.notEqual(step.TargetStatuses[0]?.OutTime, null);
      }
    }
});

test("a variables step feeds StringVar and IntVar in a later cmd step; VariableEmitted is recorded", async () => {
  const id = await submit(
    srv.url,
    simpleDescriptor({
      name: "variables",
      targets: ["V1"],
      steps: [
        { name: "variables", label: "vars", parameters: { greeting: ["hi"], count: [3] } },
        {
          name: "cmd",
          label: "say",
          parameters: {
            executable: ["echo"],
            args: ['{{ StringVar "vars.greeting" }}-{{ IntVar "vars.count" }}'],
            emit_stdout: [true],
          },
        },
      ],
    }),
  );
  const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
  const events = await jobEvents(srv.url, id);
  assert.deepEqual(
    stdoutOf(events).map((e) => [e.TestStepLabel, e.Target, e.Msg]),
    [["say", "V1", "hi-3\n"]],
  );
  assert.deepEqual(
    events.filter((e) => e.EventName === "VariableEmitted").map((e) => [e.TestStepLabel, e.Target?.ID, e.Payload]),
    // In the order the parameters list them.
    [
      ["vars", "V1", { Name: "greeting", Value: "hi" }],
      ["vars", "V1", { Name: "count", Value: 3 }],
    ],
  );
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test("RetryParameters: a test whose attempt 0 fails is retried, and the passing attempt 1 decides the run", async () => {
  const port = await freePort();
  const desc = simpleDescriptor({
    name: "retry-waitport",
    targets: ["W1"],
    steps: [
      {
        name: "waitport",
        label: "wait",
        parameters: {
          target: ["127.0.0.1"],
          port: [String(port)],
          protocol: ["tcp"],
          timeout: ["300ms"],
          check_interval: ["50ms"],
        },
      },
    ],
  });
  const test0 = desc.TestDescriptors[0] as Record<string, unknown>;
  test0.RetryParameters = { NumRetries: 2, RetryInterval: "1s" };
  const id = await submit(srv.url, desc);

  // Open the port only once attempt 0 has failed: attempt 1 (after the 1 s RetryInterval) finds it open.
  let listener: Server | undefined;
  try {
    await waitForEvent(srv.url, id, (e) => e.EventName === "TargetErr" && e.TestAttempt === 0);
    listener = createServer((sock) => sock.destroy());
    const opened = listener;
    await new Promise<void>((r) => opened.listen(port, "127.0.0.1", r));
    const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
    assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);

    const events = await jobEvents(srv.url, id, { step: "wait" });
    const outcome = (e: TestEvent) => [e.EventName, e.TestAttempt, e.Target?.ID];
    assert.deepEqual(events.filter((e) => e.EventName === "TargetErr" || e.EventName === "TargetOut").map(outcome), [
      ["TargetErr", 0, "W1"],
      ["TargetOut", 1, "W1"],
    ]);
    const err = events.find((e) => e.EventName === "TargetErr") as TestEvent;
    assert.match((err.Payload as { Error: string }).Error, new RegExp(`port 127\\.0\\.0\\.1:${port} not open`));
    const attempts = await jobEvents(srv.url, id, { name: "TestAttemptStarted" });
    assert.deepEqual(
      attempts.map((e) => e.TestAttempt),
      [0, 1],
    );
    const [report] = status.JobReport.RunReports[0] ?? [];
    assert.equal(report?.ReporterName, "TargetSuccess");
    assert.equal(report?.Success, true);
    // The status tree shows the attempt that decided the run.
    assert.equal(status.RunStatuses[0]?.TestStatuses[0]?.TestAttempt, 1);
  } finally {
    const opened = listener;
    if (opened) await new Promise<void>((r) => opened.close(() => r()));
  }
});

test('cleanup steps run under "<TestName> [CLEANUP]" for every target, before the targets are released', async () => {
  const desc = simpleDescriptor({ name: "cleanup", targets: ["C1", "C2"] });
  Object.assign(desc.TestDescriptors[0] as Record<string, unknown>, {
    CleanupFetcherName: "literal",
    CleanupFetcherFetchParameters: {
      TestName: "ignored",
      Steps: [{ name: "echo", label: "tidy", parameters: { text: ["cleaning {{ .ID }}"] } }],
    },
  });
  const id = await submit(srv.url, desc);
  const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);

  const events = await jobEvents(srv.url, id);
  assert.equal(
    events.some((e) => e.TestName === "ignored"),
    false,
    "the cleanup fetcher's TestName is not used",
  );
  const cleanup = events.filter((e) => e.TestName === "Test [CLEANUP]");
  assert.deepEqual(
    cleanup
      .filter((e) => e.EventName === "EchoMessage")
      .map((e) => [e.TestStepLabel, e.Target?.ID, (e.Payload as { Msg: string }).Msg])
      .sort(),
    [
      ["tidy", "C1", "cleaning C1"],
      ["tidy", "C2", "cleaning C2"],
    ],
  );
  assert.deepEqual(
    cleanup
      .filter((e) => e.EventName === "TargetOut")
      .map((e) => e.Target?.ID)
      .sort(),
    ["C1", "C2"],
  );
  const released = events.filter((e) => e.EventName === "TargetReleased" && e.TestAttempt === 0);
  assert.deepEqual(released.map((e) => e.Target?.ID).sort(), ["C1", "C2"]);
  const lastCleanup = Math.max(...cleanup.map((e) => e.Seq));
  const firstRelease = Math.min(...released.map((e) => e.Seq));
  assert.ok(lastCleanup < firstRelease, `cleanup event ${lastCleanup} after release ${firstRelease}`);
  // The status tree lists the cleanup as its own test.
  assert.deepEqual(
    status.RunStatuses[0]?.TestStatuses.map((t) => [t.TestName, t.TestStepStatuses.map((s) => s.TestStepLabel)]),
    [
      ["Test", ["say"]],
      ["Test [CLEANUP]", ["tidy"]],
    ],
  );
});
