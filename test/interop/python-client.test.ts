/**
 * Interoperability with a gRPC client that is not Node: Debian's python3-grpcio, with stubs generated from our
 * proto/ at test time by Debian's python3-grpc-tools (see client.py for the package versions that work together).
 * Debian's modules are visible to /usr/bin/python3 only, so the test names that interpreter explicitly.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { TestEvent } from "../../src/api/types.js";
import { grpcTarget } from "../grpc/client.js";
import {
  type HttpResult,
  REPO_ROOT,
  request,
  SAMPLES_DIR,
  startTestServer,
  type TestServer,
  tempDir,
} from "../helpers.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const CLIENT = join(REPO_ROOT, "test/interop/client.py");

/** The environment for Debian's python: nothing from a pyenv or virtualenv that could shadow its packages. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONNOUSERSITE: "1" };
  for (const k of ["PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"]) delete env[k];
  return env;
}

interface ClientReport {
  job_id: string;
  state: string;
  events: string[];
  seqs: number[];
  watched_stdout: string[];
  status_stdout: string[];
  not_found: {
    code: string;
    details: string;
    error_info: { reason: string; domain: string; metadata: Record<string, string> } | null;
  } | null;
}

let srv: TestServer;
let stubs: string;

before(async () => {
  try {
    await run(PYTHON, ["-c", "import grpc, grpc_tools"], { env: pythonEnv() });
  } catch {
    assert.fail(
      `${PYTHON} cannot import grpc and grpc_tools: install Debian's python3-grpcio and python3-grpc-tools ` +
        "(.ci/run does this)",
    );
  }
  stubs = tempDir("ordo-pystubs-");
  await run(
    PYTHON,
    [
      "-m",
      "grpc_tools.protoc",
      "-I",
      "proto",
      `--python_out=${stubs}`,
      `--grpc_python_out=${stubs}`,
      "proto/ordo/v1/jobs.proto",
      "proto/google/rpc/status.proto",
    ],
    { cwd: REPO_ROOT, env: pythonEnv() },
  );
  srv = await startTestServer();
});

after(async () => {
  await srv?.close();
  if (stubs) rmSync(stubs, { recursive: true, force: true });
});

const EXPECTED_STDOUT = [1, 2].flatMap(() =>
  [1, 2].flatMap((t) => [1, 2].map((s) => `Test ${t}, Step ${s}, target T${t}\n`)),
);

test("a Python grpcio client with stubs generated from proto/ starts, watches and reads a ConTest sample job", async () => {
  const { stdout, stderr } = await run(
    PYTHON,
    [CLIENT, grpcTarget(srv.grpcUrl), join(SAMPLES_DIR, "test-simple.yaml"), stubs],
    { cwd: REPO_ROOT, env: pythonEnv(), timeout: 120_000 },
  ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    assert.fail(`python client failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  });
  const lines = stdout.trim().split("\n");
  const report = JSON.parse(lines.at(-1) ?? "null") as ClientReport;
  assert.equal(report.state, "JobStateCompleted", stderr);

  // WatchJob printed every event name as it arrived, and stopped when the job ended.
  const printed = lines.filter((l) => l.startsWith("event ")).map((l) => l.split(" ")[2]);
  assert.deepEqual(printed, report.events);
  assert.equal(report.events.at(-1), "JobStateCompleted");

  // Exactly the job's events, in order, as the REST events endpoint lists them.
  const rest: HttpResult<{ events: TestEvent[]; next: number | null }> = await request(
    srv.url,
    `/api/v1/jobs/${report.job_id}/events?limit=1000`,
  );
  assert.deepEqual(
    report.seqs,
    rest.body.events.map((e) => e.Seq),
  );

  // 2 runs × 2 tests × 2 steps, each step's stdout once and in order: from the stream and from Status alike.
  assert.deepEqual(report.watched_stdout, EXPECTED_STDOUT);
  assert.deepEqual(report.status_stdout, EXPECTED_STDOUT);

  // ordo's rich error detail decodes in Python: NOT_FOUND carrying google.rpc.ErrorInfo with ordo's code.
  assert.deepEqual(report.not_found, {
    code: "NOT_FOUND",
    details: "job 999999 not found",
    error_info: { reason: "ORDO_ERR_JOB_NOT_FOUND", domain: "ordo.dev", metadata: {} },
  });
});
