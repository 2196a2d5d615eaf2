/**
 * `ordo events` as a user runs it, against a real server: follows the log live (lines or wire JSON), filters by
 * job and entity, refuses bad filters with exit code 2, and rides out a server restart by resuming after the last
 * seq it printed (no gap, no duplicate). `ordo events forward` is covered in forward.test.ts.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { runCli, spawnCli } from "../cli/run-cli.js";
import { simpleDescriptor, startTestServer, submit, tempDir, waitForState } from "../helpers.js";

test("ordo events --job --from-seq prints the job's events, one line each, in seq order", async () => {
  const srv = await startTestServer();
  try {
    const start = (await srv.server.storage.logBounds()).headSeq;
    const id = await submit(srv.url, simpleDescriptor({ name: "cli", targets: ["cli-t"] }));
    await waitForState(srv.url, id, ["JobStateCompleted"]);
    const cli = spawnCli(["events", "--job", String(id), "--from-seq", String(start)], { addr: srv.url });
    await cli.waitFor(/JobStateCompleted/);
    cli.child.kill("SIGINT");
    const res = await cli.done;
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split("\n");
    const want = await srv.server.storage.listEvents(id, {});
    assert.equal(lines.length, want.length);
    assert.match(lines[0] ?? "", new RegExp(`^#${want[0]?.seq} \\S+ job/create JobCreated job=${id}`));
    assert.match(
      lines.find((l) => l.includes("EchoMessage")) ?? "",
      /step\/create EchoMessage .*step=say target=cli-t/,
    );

    const json = spawnCli(["events", "--json", "--filter", "job:create", "--from-seq", String(start)], {
      addr: srv.url,
    });
    await json.waitFor(/JobCreated/);
    json.child.kill("SIGTERM");
    const created = (await json.done).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      created.map((m) => [m["entity-type"], m.operation, m["event-name"], m["job-id"]]),
      [["job", "create", "JobCreated", id]],
    );
  } finally {
    await srv.close();
  }
});

test("ordo events refuses an invalid filter with exit code 2, and an unreachable server with 1", async () => {
  const srv = await startTestServer();
  try {
    const bad = await runCli(["events", "--filter", "repository"], { addr: srv.url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ORDO_ERR_FILTER_INVALID/);
    const usage = await runCli(["events", "--from-seq", "soon"], { addr: srv.url });
    assert.equal(usage.code, 2);
  } finally {
    await srv.close();
  }
  const gone = await runCli(["events"], { addr: srv.url });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /cannot connect/);
});

test("ordo events resumes after a server restart without a gap or a duplicate", async () => {
  const dataDir = tempDir();
  let srv = await startTestServer({ dataDir });
  const httpAddr = srv.url.replace("http://", "");
  const cli = spawnCli(["events", "--json", "--from-seq", "0"], { addr: srv.url });
  try {
    const a = await submit(srv.url, simpleDescriptor({ name: "before", targets: ["b-t"] }));
    await waitForState(srv.url, a, ["JobStateCompleted"]);
    await cli.waitFor(/JobStateCompleted/);
    await srv.close();
    srv = await startTestServer({ dataDir, httpAddr });
    const b = await submit(srv.url, simpleDescriptor({ name: "after", targets: ["a-t"] }));
    await waitForState(srv.url, b, ["JobStateCompleted"]);
    await cli.waitFor(new RegExp(`"event-name":"JobStateCompleted"[^\\n]*"job-id":${b}`), 15_000);
    cli.child.kill("SIGINT");
    const res = await cli.done;
    const seqs = res.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { seq: number }).seq);
    const head = (await srv.server.storage.logBounds()).headSeq;
    assert.deepEqual(
      seqs,
      Array.from({ length: head }, (_, i) => i + 1),
    );
    assert.match(res.stderr, /resuming after seq/);
  } finally {
    cli.child.kill("SIGKILL");
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
