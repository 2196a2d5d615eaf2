/**
 * Every ConTest sample descriptor, submitted over the ConTest face the way contestcli submits it, runs to
 * JobStateCompleted on a real `ordo server` process whose working directory is the samples folder, so the
 * samples' relative paths (hosts.csv, test_samples/randecho.json) resolve as they do under ConTest.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import type { JobStatus, TestEvent } from "../../src/api/types.js";
import { CLI, postForm, SAMPLES_DIR, tempDir } from "../helpers.js";
import { jobEvents } from "./job-events.js";

let child: ChildProcess;
let url: string;
const dataDir = tempDir("ordo-samples-");

/** Starts `ordo server` on port 0 and reads the bound address from its "ordo serving" log line. */
before(async () => {
  child = spawn(
    process.execPath,
    // Port 0 for every listener, so parallel test files never contend for a fixed port.
    [
      CLI,
      "server",
      "--http-addr",
      "127.0.0.1:0",
      "--grpc-addr",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      "--server-id",
      "samples",
    ],
    { cwd: SAMPLES_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s: ${stderr}`)), 15_000);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; addresses?: { http?: string } };
        if (rec.msg === "ordo serving" && rec.addresses?.http) {
          clearTimeout(timer);
          resolve(rec.addresses.http);
        }
      } catch {}
    });
  });
});

after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Envelope<T> {
  Data: T | null;
  Error: string | null;
}

/** What contestcli sends: the file as JSON (YAML converted on the client, as `contestcli -Y` does). */
function jobDesc(file: string): string {
  const text = readFileSync(join(SAMPLES_DIR, file), "utf8");
  return file.endsWith(".yaml") ? JSON.stringify(parseYaml(text)) : text;
}

async function runSample(file: string): Promise<{ id: number; status: JobStatus }> {
  const started = await postForm<Envelope<{ JobID: number }>>(url, "/start", {
    jobDesc: jobDesc(file),
    requestor: "contestcli",
  });
  assert.equal(started.status, 200, `${file}: ${started.text}`);
  assert.equal(started.body.Error, null, `${file}: ${started.body.Error}`);
  const id = started.body.Data?.JobID as number;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await postForm<Envelope<{ Status: JobStatus }>>(url, "/status", {
      jobID: String(id),
      requestor: "contestcli",
    });
    assert.equal(res.body.Error, null, res.text);
    const status = res.body.Data?.Status as JobStatus;
    if (!["JobStateUnknown", "JobStateStarted", "JobStateCancelling"].includes(status.State)) return { id, status };
    if (Date.now() > deadline) throw new Error(`${file}: job ${id} still ${status.State} after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const goTitle = (s: string) =>
  s.replace(/(^|[^0-9A-Za-z_])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase());
const hosts = readFileSync(join(SAMPLES_DIR, "hosts.csv"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => {
    const [ID, FQDN] = l.split(",");
    return { ID: ID as string, FQDN: FQDN as string };
  });

test("every ConTest sample descriptor runs to JobStateCompleted over the ConTest face", {
  timeout: 90_000,
}, async () => {
  const files = ["start-literal.json", "start-literal.yaml", "start.json", "test-simple.yaml", "test-resume.yaml"];
  // Run together: start.json and start-literal.yaml contend for hosts.csv targets, and must both still finish.
  const results = await Promise.all(files.map(async (file) => ({ file, ...(await runSample(file)) })));
  for (const { file, status } of results) {
    assert.equal(status.State, "JobStateCompleted", `${file}: ${status.State} ${status.StateErrMsg}`);
    assert.equal(status.ServerID, "samples");
  }
  const byFile = new Map(results.map((r) => [r.file, r]));
  const events = async (file: string): Promise<TestEvent[]> => jobEvents(url, byFile.get(file)?.id as number);

  // start-literal.json (no Version: accepted): 3 runs of `echo` on one target, each exiting 0.
  const literal = await events("start-literal.json");
  assert.deepEqual(
    literal.filter((e) => e.EventName === "CmdEnd").map((e) => [e.RunID, e.Target?.ID, e.Payload]),
    [1, 2, 3].map((run) => [run, "1234", { ExitCode: 0, Signal: null }]),
  );
  assert.deepEqual(
    byFile.get("start-literal.json")?.status.JobReport.RunReports.map((r) => r.map((x) => x.ReporterName)),
    [1, 2, 3].map(() => ["TargetSuccess", "noop"]),
  );

  // start-literal.yaml: one shuffled host from hosts.csv per run; the templates render as Go renders them.
  const yamlOut = (await events("start-literal.yaml")).filter((e) => e.EventName === "CmdStdout");
  assert.equal(yamlOut.length, 3);
  for (const e of yamlOut) {
    const host = hosts.find((h) => h.ID === e.Target?.ID);
    assert.ok(host, `target ${e.Target?.ID} is not in hosts.csv`);
    assert.equal(
      (e.Payload as { Msg: string }).Msg,
      `Title=${goTitle(host.FQDN)}, ToUpper=${host.FQDN.toUpperCase()}\n`,
    );
  }

  // start.json: the URI fetcher's three steps, on the first 4 hosts (MaxNumberDevices), in both tests.
  const uri = await events("start.json");
  for (const testName of ["RackSwitchProvisioning", "RackProvisioning"]) {
    assert.deepEqual(
      uri
        .filter((e) => e.EventName === "TargetAcquired" && e.TestName === testName)
        .map((e) => e.Target?.ID)
        .sort(),
      ["10", "1234", "2345", "3456"],
    );
    const firstStep = uri.filter(
      (e) => e.EventName === "EchoMessage" && e.TestName === testName && e.TestStepLabel === "thefirstrandecho",
    );
    assert.equal(firstStep.length, 4);
  }

  // test-simple.yaml: ConTest's expected output, per run, test, step and target.
  assert.deepEqual(
    (await events("test-simple.yaml"))
      .filter((e) => e.EventName === "CmdStdout")
      .map((e) => `${e.RunID}|${e.TestStepLabel}|${e.Target?.ID}|${(e.Payload as { Msg: string }).Msg}`),
    [1, 2].flatMap((run) => [
      `${run}|Test1Step1|T1|Test 1, Step 1, target T1\n`,
      `${run}|Test1Step2|T1|Test 1, Step 2, target T1\n`,
      `${run}|Test2Step1|T2|Test 2, Step 1, target T2\n`,
      `${run}|Test2Step2|T2|Test 2, Step 2, target T2\n`,
    ]),
  );

  // test-resume.yaml (TargetListWithState): every step of both runs passed, sleeps included.
  const resume = await events("test-resume.yaml");
  assert.equal(resume.filter((e) => e.EventName === "TargetOut").length, 2 * (4 + 3));
  assert.equal(resume.filter((e) => e.EventName === "TargetErr").length, 0);
});
