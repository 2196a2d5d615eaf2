/**
 * A full disk is reported and recovered from without a restart: on a 4 MB tmpfs filled to the last byte, a
 * submission gets HTTP 503 saying the storage is full while reads keep working, a running job waits, and once
 * space is freed new submissions succeed and the waiting job completes.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, openSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { request, tempDir } from "../helpers.js";
import {
  getStatus,
  killAllServers,
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

let mounted: string | undefined;
let mountDir: string | undefined;

after(async () => {
  await killAllServers();
  if (mounted) {
    try {
      execFileSync("umount", [mounted], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mounted], { stdio: "pipe" }); // still busy: detach it now, free it when idle
    }
  }
  if (mountDir) rmdirSync(mountDir);
});

/** Mounts a 4 MB tmpfs; returns why it could not be mounted, if so. */
function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stdio: "pipe" });
    mounted = dir;
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (err as Error).message;
  }
}

/** Writes `path` until the file system has no byte left (ENOSPC at every chunk size down to one byte). */
function fillDisk(path: string): number {
  const fd = openSync(path, "w");
  let written = 0;
  try {
    for (const size of [1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe("full disk", () => {
  test("a full disk fails submissions with 503, keeps reads working, and clears without a restart", async (t) => {
    mountDir = tempDir("ordo-full-");
    const problem = mountTmpfs(mountDir);
    if (problem) {
      t.skip(`cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${problem}`);
      return;
    }
    const dataDir = join(mountDir, "data");
    const filler = join(mountDir, "filler");
    const server: ServerProcess = await spawnServer(dataDir);

    const earlier = await submitJob(server.url, stepsJob("before-full", [sleepStep("2s")]));
    await untilEvent(server.url, earlier, "TargetIn of the sleep step", (e) => e.EventName === "TargetIn");
    const filled = fillDisk(filler);

    const refused = await postJob(server.url, stepsJob("while-full", [sleepStep("10ms")], { targets: ["T2"] }));
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.headers.get("content-type") ?? "", /application\/problem\+json/);
    const body = refused.body as { code: string; detail: string };
    assert.equal(body.code, "ORDO_ERR_STORAGE_UNAVAILABLE");
    assert.match(body.detail, /storage/i);
    assert.match(body.detail, /full/i);

    // The running job reaches the end of its sleep while the disk is full: its write waits instead of failing it.
    await untilLog(server, "storage fault", 10_000);
    assert.equal((await request(server.url, "/healthz")).status, 200);
    const list = await request<{ jobs: { JobID: number }[] }>(server.url, "/api/v1/jobs");
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.jobs.map((j) => j.JobID),
      [earlier],
      "the refused submission was not stored",
    );
    assert.equal((await getStatus(server.url, earlier)).State, "JobStateStarted", "the running job is not failed");

    rmSync(filler);
    const accepted = await submitJob(server.url, stepsJob("after-full", [sleepStep("10ms")], { targets: ["T3"] }));
    const first = await untilState(server.url, earlier, ["JobStateCompleted", "JobStateFailed"], 30_000);
    const second = await untilState(server.url, accepted, ["JobStateCompleted", "JobStateFailed"], 30_000);
    const exit = await server.stop();
    assert.equal(first.State, "JobStateCompleted", first.StateErrMsg);
    assert.equal(second.State, "JobStateCompleted", second.StateErrMsg);
    assert.deepEqual(exit, { code: 0, signal: null });
    t.diagnostic(`filler took ${filled} bytes; 503 detail: ${body.detail}`);
  });
});
