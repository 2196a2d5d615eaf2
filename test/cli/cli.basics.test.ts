/** The ordo CLI's one-shot commands against a real server: version, start, status, list, retry, stop, errors. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { JobStatus, JobSummary } from "../../src/api/types.js";
import { jobStatus, SAMPLES_DIR, simpleDescriptor, submit, useTestServer, waitForState } from "../helpers.js";
import { closedPort, descriptorFile, runCli, sleeperDescriptor } from "./run-cli.js";

const srv = useTestServer();

/** The descriptor without its Version key, which the CLI must add. */
function withoutVersion(over: Parameters<typeof simpleDescriptor>[0] = {}) {
  const { Version: _v, ...rest } = simpleDescriptor(over);
  return rest;
}

function startedId(stdout: string): number {
  const m = /^job (\d+) started$/m.exec(stdout);
  assert.ok(m, `no "job N started" in ${JSON.stringify(stdout)}`);
  return Number(m[1]);
}

test("version prints the server's API version, as text and as JSON", async () => {
  const human = await runCli(["version"], { addr: srv.url });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /server test-server: API version 5/);

  const json = await runCli(["version", "--json", "--addr", srv.url]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { Version: 5, ServerID: "test-server" });
});

test("start submits a JSON file without Version and prints the job ID", async () => {
  const file = descriptorFile(withoutVersion({ name: "from-file", targets: ["F1"] }));
  const res = await runCli(["start", file, "-r", "alice"], { addr: srv.url });
  assert.equal(res.code, 0, res.stderr);
  const id = startedId(res.stdout);
  const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
  assert.equal(status.Name, "from-file");
  assert.equal(status.Requestor, "alice");
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);

  const json = await runCli(["start", "--json", file], { addr: srv.url, env: { ORDO_REQUESTOR: "bob" } });
  assert.equal(json.code, 0, json.stderr);
  const reply = JSON.parse(json.stdout) as { JobID: number };
  assert.deepEqual(Object.keys(reply), ["JobID"]);
  assert.equal((await jobStatus(srv.url, reply.JobID)).Requestor, "bob");
});

test("start reads a YAML descriptor without Version from stdin ('-', no argument, and -Y)", async () => {
  const yaml = readFileSync(join(SAMPLES_DIR, "test-simple.yaml"), "utf8");
  assert.doesNotMatch(yaml, /^version:/im);
  for (const args of [["start", "-"], ["start"], ["start", "-Y"]]) {
    const res = await runCli(args, { addr: srv.url, input: yaml });
    assert.equal(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
    const status = await jobStatus(srv.url, startedId(res.stdout));
    assert.equal(status.Name, "A simple test job");
    assert.deepEqual([...status.Tags].sort(), ["simple", "test"]);
  }
  // YAML reads an unquoted 1.0 as the number 1; the CLI keeps it as the version text ConTest users write.
  const unquoted = await runCli(["start"], { addr: srv.url, input: `Version: 1.0\n${yaml}` });
  assert.equal(unquoted.code, 0, unquoted.stderr);
});

test("start rejects a descriptor the server finds invalid, naming the field, with exit 2", async () => {
  const bad = { ...withoutVersion(), JobName: "" };
  const res = await runCli(["start", descriptorFile(bad)], { addr: srv.url });
  assert.equal(res.code, 2, res.stderr);
  assert.equal(res.stdout, "");
  assert.match(res.stderr, /^error: .*JobName/m);

  const malformed = await runCli(["start", "-"], { addr: srv.url, input: "{not json" });
  assert.equal(malformed.code, 2, malformed.stderr);
  assert.match(malformed.stderr, /^error: stdin: malformed JSON/m);

  // A lower-case "version" counts as present: the CLI must not add "Version": "1.0" beside it.
  const versioned = await runCli(["start", "-"], { addr: srv.url, input: 'version: "2.0"\nJobName: v\n' });
  assert.equal(versioned.code, 2, versioned.stderr);
  assert.match(versioned.stderr, /^error: Version: unsupported version "2.0"/m);

  const missing = await runCli(["start", "/nonexistent/job.yaml"], { addr: srv.url });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /^error: cannot read descriptor \/nonexistent\/job.yaml: no such file/m);
});

test("status shows the job as text, and the full status tree with --json", async () => {
  const id = await submit(srv.url, simpleDescriptor({ name: "stat", targets: ["S1", "S2"] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);

  const json = await runCli(["status", String(id), "--json"], { addr: srv.url });
  assert.equal(json.code, 0, json.stderr);
  const status = JSON.parse(json.stdout) as JobStatus;
  assert.deepEqual(status, await jobStatus(srv.url, id));
  assert.equal(status.RunStatuses[0]?.TestStatuses[0]?.TestStepStatuses[0]?.TargetStatuses.length, 2);

  const human = await runCli(["status", String(id)], { addr: srv.url });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^job ${id}: stat$`, "m"));
  assert.match(human.stdout, /^ {2}state: +JobStateCompleted$/m);
  assert.match(human.stdout, /^ {2}test "Test" attempt 0: targets 2 passed, 0 failed$/m);
  assert.match(human.stdout, /^ {4}step say \(echo\): 2 passed, 0 failed$/m);
  assert.match(human.stdout, /run 1 +TargetSuccess +PASS +.*2\/2 targets passed/);
});

test("list filters by --states (any of) and --tags (all of), repeated or comma-separated", async () => {
  const both = await submit(srv.url, simpleDescriptor({ name: "both", targets: ["L1"], tags: ["lx", "ly"] }));
  const onlyX = await submit(srv.url, simpleDescriptor({ name: "only-x", targets: ["L2"], tags: ["lx"] }));
  const stopped = await submit(srv.url, sleeperDescriptor("stopped", "L3", ["lx"]));
  await waitForState(srv.url, both, ["JobStateCompleted"]);
  await waitForState(srv.url, onlyX, ["JobStateCompleted"]);
  await waitForState(srv.url, stopped, ["JobStateStarted"]);
  const stop = await runCli(["stop", String(stopped)], { addr: srv.url });
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(stop.stdout, `job ${stopped} stop requested\n`);
  await waitForState(srv.url, stopped, ["JobStateCancelled"]);

  const ids = async (...args: string[]) => {
    const res = await runCli(["list", "--json", ...args], { addr: srv.url });
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as { jobs: JobSummary[] }).jobs.map((j) => j.JobID);
  };
  assert.deepEqual(await ids("--tags", "lx", "--tags", "ly"), [both]);
  assert.deepEqual(await ids("--tags", "lx,ly"), [both]);
  assert.deepEqual(await ids("--tags", "lx", "--states", "JobStateCompleted"), [both, onlyX]);
  assert.deepEqual(await ids("--tags", "lx", "--states", "completed,Cancelled"), [both, onlyX, stopped]);
  assert.deepEqual(await ids("--tags", "lx", "--states", "JobStateFailed", "JobStateCancelled"), [stopped]);
  assert.deepEqual(await ids("--tags", "nosuchtag"), []);

  const human = await runCli(["list", "--tags", "lx", "--states", "cancelled"], { addr: srv.url });
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ID +STATE +NAME +TAGS$/);
  assert.match(lines[1] ?? "", new RegExp(`^${stopped} +Cancelled +stopped +lx$`));
  assert.equal(lines.length, 2);

  const badState = await runCli(["list", "--states", "Sleeping"], { addr: srv.url });
  assert.equal(badState.code, 2, badState.stderr);
  assert.match(badState.stderr, /^error: unknown job state "Sleeping"/m);
});

test("retry runs a finished job again as a new job", async () => {
  const id = await submit(srv.url, simpleDescriptor({ name: "again", targets: ["R1"] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);
  const res = await runCli(["retry", String(id)], { addr: srv.url });
  assert.equal(res.code, 0, res.stderr);
  const m = new RegExp(`^job ${id} retried as job (\\d+)$`).exec(res.stdout.trim());
  assert.ok(m, res.stdout);
  const retried = await waitForState(srv.url, Number(m[1]), ["JobStateCompleted"]);
  assert.equal(retried.RetryOf, id);
  assert.equal(retried.Name, "again");

  const json = await runCli(["retry", String(id), "--json"], { addr: srv.url });
  assert.equal(json.code, 0, json.stderr);
  const reply = JSON.parse(json.stdout) as { JobID: number; NewJobID: number };
  assert.equal(reply.JobID, id);
  assert.ok(reply.NewJobID > Number(m[1]));
});

test("server errors print `error: <detail>` on stderr; 4xx replies exit 2", async () => {
  for (const cmd of ["status", "stop", "retry", "watch"]) {
    const res = await runCli([cmd, "999999"], { addr: srv.url });
    assert.equal(res.code, 2, `${cmd}: ${res.stderr}`);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr, "error: job 999999 not found\n");
  }
  const done = await submit(srv.url, simpleDescriptor({ targets: ["E1"] }));
  await waitForState(srv.url, done, ["JobStateCompleted"]);
  const stop = await runCli(["stop", String(done)], { addr: srv.url });
  assert.equal(stop.code, 2, stop.stderr);
  assert.match(stop.stderr, /^error: job \d+ is not running/);

  const badId = await runCli(["status", "12abc"], { addr: srv.url });
  assert.equal(badId.code, 2, badId.stderr);
  assert.match(badId.stderr, /^error: invalid job ID "12abc"/);

  const usage = await runCli(["status"], { addr: srv.url });
  assert.equal(usage.code, 2, usage.stderr);
  assert.match(usage.stderr, /missing required argument/);

  const longName = await runCli(["version", "-r", "x".repeat(33)], { addr: srv.url });
  assert.equal(longName.code, 2, longName.stderr);
  assert.match(longName.stderr, /longer than 32 characters/);
});

test("an address nobody serves, or an unsupported scheme, gives a clear error naming it", async () => {
  const addr = `http://127.0.0.1:${await closedPort()}`;
  const refused = await runCli(["version", "-a", addr]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, new RegExp(`^error: cannot reach the ordo server at ${addr}: connection refused`));

  const fromEnv = await runCli(["status", "1"], { env: { ORDO_ADDR: addr } });
  assert.equal(fromEnv.code, 1, fromEnv.stderr);
  assert.match(fromEnv.stderr, new RegExp(`at ${addr}: connection refused`));

  const grpcAddr = `grpc://127.0.0.1:${await closedPort()}`;
  const grpc = await runCli(["version", "--addr", grpcAddr]);
  assert.equal(grpc.code, 1, grpc.stderr);
  assert.match(grpc.stderr, new RegExp(`^error: cannot reach the ordo server at ${grpcAddr}`));

  const scheme = await runCli(["version", "--addr", "ftp://127.0.0.1:21"]);
  assert.equal(scheme.code, 2, scheme.stderr);
  assert.match(scheme.stderr, /^error: unsupported scheme "ftp"/);

  const garbage = await runCli(["version", "--addr", "http://[::1"]);
  assert.equal(garbage.code, 2, garbage.stderr);
  assert.match(garbage.stderr, /^error: invalid server address "http:\/\/\[::1"/);

  // A bare host:port, as `ordo server --http-addr` takes it, means http.
  const bare = await runCli(["version", "--addr", srv.url.replace("http://", "")]);
  assert.equal(bare.code, 0, bare.stderr);
});
