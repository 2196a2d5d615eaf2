/** The CLI over a grpc:// address behaves as over http://: same commands, same output, same exit codes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SAMPLES_DIR, useTestServer } from "../helpers.js";
import { descriptorFile, runCli, sleeperDescriptor } from "./run-cli.js";

const srv = useTestServer();

test("start --wait over grpc:// runs a ConTest sample to completion and exits 0", async () => {
  const res = await runCli(["start", "--wait", "-r", "grpc-user", `${SAMPLES_DIR}/test-simple.yaml`], {
    addr: srv.grpcUrl,
  });
  assert.equal(res.code, 0, res.stderr);
  const id = Number(/job (\d+) started/.exec(res.stdout)?.[1]);
  assert.ok(id > 0, res.stdout);
  assert.match(res.stdout, new RegExp(`job ${id} JobStateCompleted`));

  const status = await runCli(["status", "--json", String(id)], { addr: srv.grpcUrl });
  assert.equal(status.code, 0, status.stderr);
  const parsed = JSON.parse(status.stdout) as { State: string; Requestor: string; RunStatuses: unknown[] };
  assert.equal(parsed.State, "JobStateCompleted");
  assert.equal(parsed.Requestor, "grpc-user");
  assert.equal(parsed.RunStatuses.length, 2);
});

test("watch over grpc:// streams the job's CmdStdout lines in order and ends with the job", async () => {
  const start = await runCli(["start", `${SAMPLES_DIR}/test-simple.yaml`], { addr: srv.grpcUrl });
  const id = /job (\d+) started/.exec(start.stdout)?.[1] as string;
  const watch = await runCli(["watch", id], { addr: srv.grpcUrl });
  assert.equal(watch.code, 0, watch.stderr);
  const lines = watch.stdout.split("\n").filter((l) => l.includes("CmdStdout"));
  assert.equal(lines.length, 8, watch.stdout);
  assert.match(lines[0] as string, /Test 1, Step 1, target T1/);
  assert.match(lines[7] as string, /Test 2, Step 2, target T2/);
});

test("stop, list and retry over grpc:// match their HTTP behaviour, and errors exit 2", async () => {
  const file = descriptorFile(sleeperDescriptor("grpc-sleeper", "grpc-target", ["grpcjob"]));
  const start = await runCli(["start", file], { addr: srv.grpcUrl });
  const id = /job (\d+) started/.exec(start.stdout)?.[1] as string;
  const stop = await runCli(["stop", id], { addr: srv.grpcUrl });
  assert.equal(stop.code, 0, stop.stderr);
  const waited = await runCli(["watch", id], { addr: srv.grpcUrl });
  assert.equal(waited.code, 1, "a cancelled job does not exit 0");

  const list = await runCli(["list", "--json", "--tags", "grpcjob", "--states", "JobStateCancelled"], {
    addr: srv.grpcUrl,
  });
  assert.equal(list.code, 0, list.stderr);
  const { jobs } = JSON.parse(list.stdout) as { jobs: { JobID: number }[] };
  assert.deepEqual(
    jobs.map((j) => j.JobID),
    [Number(id)],
  );

  const retry = await runCli(["retry", id], { addr: srv.grpcUrl });
  assert.equal(retry.code, 0, retry.stderr);
  assert.match(retry.stdout, new RegExp(`job ${id} retried as job \\d+`));
  const newId = /as job (\d+)/.exec(retry.stdout)?.[1] as string;
  await runCli(["stop", newId], { addr: srv.grpcUrl });

  const missing = await runCli(["status", "999999"], { addr: srv.grpcUrl });
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "error: job 999999 not found\n");
});
