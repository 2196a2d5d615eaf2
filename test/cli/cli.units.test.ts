/** The CLI's pure parts: descriptor input, formatting, option parsing, the progress line, following a job. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobStatus, TestEvent } from "../../src/api/types.js";
import { parseDescriptor } from "../../src/cli/client/descriptor-input.js";
import { normalizeState, parseJobIdArg } from "../../src/cli/client/options.js";
import { type ClientTransport, parseAddress } from "../../src/cli/client/transport.js";
import { formatEvent, payloadSummary, table } from "../../src/cli/output.js";
import { ProgressLine } from "../../src/cli/progress.js";
import { type EventSource, followJob } from "../../src/cli/watch.js";
import { listValues } from "../../src/util/list-values.js";

function event(over: Partial<TestEvent>): TestEvent {
  return {
    Seq: 1,
    JobID: 7,
    RunID: 0,
    TestName: "",
    TestAttempt: 0,
    TestStepLabel: "",
    Target: null,
    EventName: "JobStateStarted",
    Payload: null,
    EmitTime: "2024-05-01T10:11:12.345Z",
    ...over,
  };
}

test("parseDescriptor: JSON or YAML, Version added unless present in any case", () => {
  assert.deepEqual(parseDescriptor('{"JobName":"j"}', false), { Version: "1.0", JobName: "j" });
  assert.deepEqual(parseDescriptor("JobName: j\n", false), { Version: "1.0", JobName: "j" });
  assert.deepEqual(parseDescriptor("VERSION: '1.0'\nJobName: j\n", false), { VERSION: "1.0", JobName: "j" });
  assert.deepEqual(parseDescriptor("version: 1.0\nRuns: 2\n", false), { version: "1.0", Runs: 2 });
  // -Y: YAML even when it looks like JSON (a flow mapping).
  assert.deepEqual(parseDescriptor("{JobName: j}", true), { Version: "1.0", JobName: "j" });
  assert.throws(() => parseDescriptor("{JobName: j}", false), /malformed JSON/);
  assert.throws(() => parseDescriptor("  ", false), /descriptor is empty/);
  assert.throws(() => parseDescriptor("[1]", false), /must be a JSON or YAML object/);
});

test("option parsing: job IDs, lists, states, addresses", () => {
  assert.equal(parseJobIdArg("42"), 42);
  for (const bad of ["0", "-1", "1.5", "abc", "../version", ""])
    assert.throws(() => parseJobIdArg(bad), /invalid job ID/);
  assert.deepEqual(listValues(["a,b", " c ", ",,"]), ["a", "b", "c"]);
  assert.equal(normalizeState("completed"), "JobStateCompleted");
  assert.equal(normalizeState("JOBSTATECANCELLED"), "JobStateCancelled");
  assert.equal(normalizeState("Sleeping"), "Sleeping");
  assert.equal(parseAddress("127.0.0.1:8080").href, "http://127.0.0.1:8080/");
  assert.equal(parseAddress("https://ordo.example/prefix/").pathname, "/prefix/");
});

test("formatEvent: one line with where, what and the payload's gist", () => {
  assert.equal(formatEvent(event({})), "10:11:12.345 JobStateStarted");
  assert.equal(
    formatEvent(
      event({
        RunID: 2,
        TestName: "My test",
        TestAttempt: 1,
        TestStepLabel: "run",
        Target: { ID: "T1" },
        EventName: "CmdStdout",
        Payload: { Msg: "line 1\nline 2\n" },
      }),
    ),
    '10:11:12.345 run=2 test="My test" attempt=1 step=run target=T1 CmdStdout: line 1\\nline 2',
  );
  assert.equal(payloadSummary({ ExitCode: 0 }), '{"ExitCode":0}');
  assert.equal(payloadSummary({ Msg: "x".repeat(300) }).length, 200);
  assert.equal(table(["A", "BB"], [["long", "x"]]), "A     BB\nlong  x");
});

test("the progress line follows state, run, test, step and target outcomes, and clears itself", () => {
  const writes: string[] = [];
  const out = { columns: 200, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
  const p = new ProgressLine(7, out);
  const at = { RunID: 1, TestName: "T", TestStepLabel: "s1", Target: { ID: "a" } };
  p.update(event({ EventName: "RunStarted", RunID: 1 }));
  p.update(event({ ...at, EventName: "TargetOut" }));
  p.update(event({ ...at, TestStepLabel: "s2", EventName: "TargetErr" }));
  assert.match(
    p.text(),
    /^job 7 Started · \d+ms · run 1 · test "T" · step s2 · target steps 1 passed 1 failed · 3 events$/,
  );
  p.update(event({ EventName: "JobStateCancelling" }));
  assert.match(p.text(), /^job 7 Cancelling · /);
  p.stop();
  assert.ok(writes[0]?.startsWith("\r\x1b[Kjob 7 Started"), writes[0]);
  assert.equal(writes.at(-1), "\r\x1b[K");
});

test("followJob reads any EventSource until a terminal state event, then the final status", async () => {
  const events = [
    event({ Seq: 1 }),
    event({ Seq: 2, RunID: 1, TestName: "T", EventName: "JobStateCompleted" }), // a test event of that name: not the end
    event({ Seq: 3, EventName: "JobStateCompleted" }),
    event({ Seq: 4, EventName: "NeverRead" }),
  ];
  let closed = false;
  const source: EventSource = async function* () {
    try {
      yield* events;
    } finally {
      closed = true;
    }
  };
  const transport = { status: async () => ({ JobID: 7, State: "JobStateCompleted" }) as JobStatus };
  const seen: number[] = [];
  const final = await followJob(transport as unknown as ClientTransport, 7, {
    source,
    onEvent: (e) => seen.push(e.Seq),
  });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.ok(closed, "the source is closed once the job ended");
  assert.equal(final.State, "JobStateCompleted");
});
