/**
 * `ordo events forward --to grpc://...` (EngFlow's --forward) between two real servers: the receiver ends up with
 * every entry of the source's log exactly once and in order, as `eventsource` entries, even when the forwarder is
 * killed mid-stream and started again (it resumes from its cursor file and the receiver's own record).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cursorFile } from "../../src/cli/events-forward.js";
import { spawnCli } from "../cli/run-cli.js";
import { startTestServer, type TestServer, tempDir } from "../helpers.js";
import { submitTinyJobs, waitForJobsEnded, wholeLog } from "./clients.js";

interface Forwarded {
  source: string;
  event: { seq: number; eventName: string; entityType: string; jobId: number };
}

async function received(srv: TestServer): Promise<Forwarded[]> {
  return (await wholeLog(srv)).filter((e) => e.entityType === "eventsource").map((e) => e.payload as Forwarded);
}

async function waitForReceived(srv: TestServer, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await received(srv)).length < n) {
    if (Date.now() > deadline) throw new Error(`only ${(await received(srv)).length} of ${n} forwarded`);
    await sleep(50);
  }
}

test("forwarding survives a killed forwarder: every source entry arrives once, in order", {
  timeout: 90_000,
}, async () => {
  const source = await startTestServer({ serverId: "source-1" });
  const sink = await startTestServer({ serverId: "sink-1" });
  const dataDir = tempDir("ordo-forward-");
  const args = ["events", "forward", "--to", sink.grpcUrl, "--data-dir", dataDir];
  try {
    await submitTinyJobs(source.url, 5);
    let fwd = spawnCli(args, { addr: source.url });
    await waitForReceived(sink, 20);
    // Kill it while the source keeps producing.
    const more = submitTinyJobs(source.url, 20, 4);
    await sleep(150);
    fwd.child.kill("SIGKILL");
    await fwd.done;
    await more;
    await waitForJobsEnded(source, 25);
    fwd = spawnCli(args, { addr: source.url });
    const head = (await source.server.storage.logBounds()).headSeq;
    await waitForReceived(sink, head);
    await sleep(300);
    fwd.child.kill("SIGINT");
    const res = await fwd.done;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /forwarding .* as "source-1" after seq \d+/);

    const got = await received(sink);
    const sourceLog = await wholeLog(source);
    assert.deepEqual(
      got.map((f) => f.event.seq),
      sourceLog.map((e) => e.seq),
      "each entry once, in order",
    );
    assert.ok(got.every((f) => f.source === "source-1"));
    assert.deepEqual(
      got.map((f) => [f.event.entityType, f.event.eventName, f.event.jobId]),
      sourceLog.map((e) => [e.entityType, e.eventName, e.jobId]),
    );
    assert.equal((await sink.server.storage.listJobs({})).length, 0, "forwarded entries start or change no job");
    const file = cursorFile(dataDir, sink.grpcUrl);
    assert.ok(existsSync(file));
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { source: "source-1", afterSeq: head });
  } finally {
    await source.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
