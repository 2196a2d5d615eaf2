/** The ordo CLI following jobs: `start --wait` (exit code from the final state) and `watch` (events as they come). */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import type { JobStatus, TestEvent } from "../../src/api/types.js";
import { simpleDescriptor, startTestServer, submit, type TestServer, waitForState } from "../helpers.js";
import { closedPort, descriptorFile, runCli, sleeperDescriptor, spawnCli } from "./run-cli.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/**
 * cmd steps echoing one, two, three; between the first two, a gate: a short sleep, or (given a port) a waitport
 * step that holds the job until the test opens that port, so a watcher provably sees the job while it runs.
 */
function echoesDescriptor(target: string, gatePort?: number) {
  const echo = (label: string, text: string) => ({
    name: "cmd",
    label,
    parameters: { executable: ["echo"], args: [text], emit_stdout: [true] },
  });
  const gate =
    gatePort === undefined
      ? { name: "sleep", label: "gate", parameters: { duration: ["100ms"] } }
      : {
          name: "waitport",
          label: "gate",
          parameters: { target: ["127.0.0.1"], port: [String(gatePort)], check_interval: ["50ms"], timeout: ["60s"] },
        };
  return simpleDescriptor({
    name: "echoes",
    targets: [target],
    steps: [echo("first", "one"), gate, echo("second", "two {{ .ID }}"), echo("third", "three")],
  });
}

/** Opens a listener on `port` (the waitport gate), closed when the returned function is called. */
async function openPort(port: number): Promise<() => Promise<void>> {
  const srv = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
  return () => new Promise((r) => srv.close(() => r()));
}

test("start --wait exits 0 for a completed job and prints the final state and reports", async () => {
  const res = await runCli(["start", "--wait", descriptorFile(echoesDescriptor("W1"))], { addr: srv.url });
  assert.equal(res.code, 0, res.stderr);
  const lines = res.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^job (\d+) started$/);
  assert.match(lines[1] ?? "", /^job \d+ JobStateCompleted after [\d.]+m?s$/);
  assert.match(res.stdout, /^ {2}run 1 +TargetSuccess +PASS +.*1\/1 targets passed/m);
  // Not a terminal: no progress line on stderr.
  assert.equal(res.stderr, "");
});

test("start --wait exits 1 for a failed job (its target stays locked past the acquire timeout)", async () => {
  const holder = await submit(srv.url, sleeperDescriptor("holder", "BUSY"));
  await waitForState(srv.url, holder, ["JobStateStarted"]);
  try {
    const blocked = { ...sleeperDescriptor("blocked", "BUSY"), TargetManagerAcquireTimeout: "300ms" };
    const res = await runCli(["start", "-w", descriptorFile(blocked)], { addr: srv.url });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /^job \d+ JobStateFailed/m);
    assert.match(res.stdout, /^ {2}error: targets BUSY stayed locked by another job/m);
  } finally {
    assert.equal((await runCli(["stop", String(holder)], { addr: srv.url })).code, 0);
  }
});

test("start --wait exits 1 when the job is stopped while it waits", async () => {
  const waiting = spawnCli(["start", "--wait", descriptorFile(sleeperDescriptor("to-stop", "STOPME"))], {
    addr: srv.url,
  });
  const [, id] = await waiting.waitFor(/^job (\d+) started$/m);
  await waitForState(srv.url, Number(id), ["JobStateStarted"]);
  const stop = await runCli(["stop", String(id)], { addr: srv.url });
  assert.equal(stop.code, 0, stop.stderr);
  const res = await waiting.done;
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stdout, new RegExp(`^job ${id} JobStateCancelled`, "m"));
});

test("start --wait --json prints the start reply, then the final status", async () => {
  const res = await runCli(["start", "-w", "--json", "-"], {
    addr: srv.url,
    input: JSON.stringify(simpleDescriptor({ targets: ["J1"] })),
  });
  assert.equal(res.code, 0, res.stderr);
  const [first, second, ...rest] = res.stdout.trimEnd().split("\n");
  assert.deepEqual(rest, []);
  const start = JSON.parse(first ?? "") as { JobID: number };
  const final = JSON.parse(second ?? "") as JobStatus;
  assert.equal(final.JobID, start.JobID);
  assert.equal(final.State, "JobStateCompleted");
  assert.equal(final.JobReport.RunReports[0]?.[0]?.Success, true);
});

test("watch prints each event as it happens, CmdStdout messages in order, and exits when the job ends", async () => {
  const port = await closedPort();
  const id = await submit(srv.url, echoesDescriptor("WATCH1", port));
  const watch = spawnCli(["watch", String(id)], { addr: srv.url });
  // The job cannot pass the gate until the port opens, so "one" shows while the job still runs.
  await watch.waitFor(/CmdStdout: one$/m);
  assert.doesNotMatch(watch.stdout(), /CmdStdout: two|JobStateCompleted/);
  const close = await openPort(port);
  const res = await watch.done.finally(close);
  assert.equal(res.code, 0, res.stderr);

  const lines = res.stdout.trimEnd().split("\n");
  const stdoutLines = lines.filter((l) => l.includes(" CmdStdout: "));
  assert.deepEqual(
    stdoutLines.map((l) => l.replace(/^\S+ /, "")),
    [
      'run=1 test="Test" attempt=0 step=first target=WATCH1 CmdStdout: one',
      'run=1 test="Test" attempt=0 step=second target=WATCH1 CmdStdout: two WATCH1',
      'run=1 test="Test" attempt=0 step=third target=WATCH1 CmdStdout: three',
    ],
  );
  assert.match(lines[0] ?? "", /^\d\d:\d\d:\d\d\.\d{3} JobCreated/);
  const end = lines.findIndex((l) => / JobStateCompleted$/.test(l));
  assert.ok(end > 0, res.stdout);
  assert.match(lines[end + 1] ?? "", new RegExp(`^job ${id} JobStateCompleted after`));
  assert.match(res.stdout, /^ {2}run 1 +TargetSuccess +PASS/m);
});

test("watch --json prints one event per line in sequence order, then the final status", async () => {
  const id = await submit(srv.url, simpleDescriptor({ targets: ["WJ1", "WJ2"] }));
  const res = await runCli(["watch", String(id), "--json"], { addr: srv.url });
  assert.equal(res.code, 0, res.stderr);
  const docs = res.stdout
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);
  const events = docs.slice(0, -1) as TestEvent[];
  const final = docs.at(-1) as JobStatus;
  const seqs = events.map((e) => e.Seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.equal(events.at(-1)?.EventName, "JobStateCompleted");
  assert.deepEqual(
    events
      .filter((e) => e.EventName === "EchoMessage")
      .map((e) => (e.Payload as { Msg: string }).Msg)
      .sort(),
    ["hello WJ1", "hello WJ2"],
  );
  assert.equal(final.State, "JobStateCompleted");
});

test("watch of a job that ends cancelled exits 1", async () => {
  const id = await submit(srv.url, sleeperDescriptor("watched-stop", "WSTOP"));
  const watch = spawnCli(["watch", String(id)], { addr: srv.url });
  await watch.waitFor(/step=nap target=WSTOP CmdStart/);
  assert.equal((await runCli(["stop", String(id), "-r", "carol"], { addr: srv.url })).code, 0);
  const res = await watch.done;
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stdout, / JobStateCancelling: stopped by carol$/m);
  assert.match(res.stdout, new RegExp(`^job ${id} JobStateCancelled`, "m"));
});
