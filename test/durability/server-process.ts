/**
 * Durability tests run the real thing: `ordo server` as a child process (cwd = the ConTest samples), signalled or
 * killed, and started again on the same data directory. Its HTTP address is read from the "ordo serving" log line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { JobStateName, JobStatus, TestEvent } from "../../src/api/types.js";
import { CLI, type HttpResult, request, SAMPLES_DIR } from "../helpers.js";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** The last log lines (stdout and stderr), for failure messages. */
  logs: string[];
  /** Sends a signal; resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const MAX_LOG_LINES = 200;
const live = new Set<ChildProcess>();

/** A server child that may not serve yet: `ready` settles once it serves HTTP (or fails if it exits first). */
export interface StartingServer {
  child: ChildProcess;
  exited: Promise<Exit>;
  logs: string[];
  ready: Promise<ServerProcess>;
}

/** Launches `ordo server` on a free loopback port over `dataDir`, without waiting for it to serve. */
export function launchServer(dataDir: string, flags: string[] = [], startTimeoutMs = 20_000): StartingServer {
  const args = [CLI, "server", "--http-addr", "127.0.0.1:0", "--no-grpc", "--data-dir", dataDir, "--server-id", "dur"];
  const child = spawn(process.execPath, [...args, ...flags], { cwd: SAMPLES_DIR, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.shift();
  };
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", keep);
  const ready = new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${startTimeoutMs}ms:\n${logs.join("\n")}`)),
      startTimeoutMs,
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      keep(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; addresses?: { http?: string } };
        if (rec.msg === "ordo serving" && rec.addresses?.http) {
          clearTimeout(timer);
          resolve({ url: rec.addresses.http, child, exited, logs, stop });
        }
      } catch {}
    });
    exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up (${e.code ?? e.signal}):\n${logs.join("\n")}`));
    });
  });
  ready.catch(() => {}); // a caller that only waits for the exit need not handle this
  return { child, exited, logs, ready };
}

/** Starts `ordo server` on a free loopback port over `dataDir`; resolves once it serves HTTP. */
export function spawnServer(dataDir: string, flags: string[] = [], startTimeoutMs = 20_000): Promise<ServerProcess> {
  return launchServer(dataDir, flags, startTimeoutMs).ready;
}

/** Waits until the server has logged a line containing `text`. */
export function untilLog(server: { logs: string[] }, text: string, timeoutMs = 10_000): Promise<string> {
  return until(`log line "${text}"`, async () => server.logs.find((l) => l.includes(text)), timeoutMs, 10);
}

/** For `after` hooks: SIGKILLs every server child still running and waits for them to exit. */
export async function killAllServers(): Promise<void> {
  const waits = [...live].map((c) => new Promise((r) => c.once("exit", r)));
  for (const c of live) c.kill("SIGKILL");
  await Promise.all(waits);
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** POSTs a descriptor (YAML text or a JSON object) to /api/v1/jobs; the raw reply, whatever its status. */
export function postJob(url: string, descriptor: unknown, requestor = "durability"): Promise<HttpResult> {
  const isText = typeof descriptor === "string";
  return request(url, "/api/v1/jobs", {
    method: "POST",
    headers: { "content-type": isText ? "application/yaml" : "application/json", "x-ordo-requestor": requestor },
    body: isText ? descriptor : JSON.stringify(descriptor),
  });
}

/** Submits a job and returns its ID; fails unless the reply is 201. */
export async function submitJob(url: string, descriptor: unknown): Promise<number> {
  const res = await postJob(url, descriptor);
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${res.text}`);
  return (res.body as { JobID: number }).JobID;
}

export async function getStatus(url: string, jobId: number): Promise<JobStatus> {
  const res = await request<JobStatus>(url, `/api/v1/jobs/${jobId}`);
  if (res.status !== 200) throw new Error(`status of job ${jobId}: ${res.status} ${res.text}`);
  return res.body;
}

/** Every event of a job, all pages. */
export async function allEvents(url: string, jobId: number): Promise<TestEvent[]> {
  const all: TestEvent[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const res: HttpResult<{ events: TestEvent[]; next: number | null }> = await request(
      url,
      `/api/v1/jobs/${jobId}/events?after=${after}&limit=1000`,
    );
    if (res.status !== 200) throw new Error(`events of job ${jobId}: ${res.status} ${res.text}`);
    all.push(...res.body.events);
    after = res.body.next;
  }
  return all;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** Waits until the job is in one of `states`. */
export function untilState(url: string, jobId: number, states: JobStateName[], timeoutMs = 30_000): Promise<JobStatus> {
  return until(
    `job ${jobId} to be ${states.join("/")}`,
    async () => {
      const s = await getStatus(url, jobId);
      return states.includes(s.State) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the job has an event matching `match`. */
export function untilEvent(
  url: string,
  jobId: number,
  what: string,
  match: (e: TestEvent) => boolean,
  timeoutMs = 30_000,
): Promise<TestEvent> {
  return until(`job ${jobId}: ${what}`, async () => (await allEvents(url, jobId)).find(match), timeoutMs, 25);
}

/** A one-test job on `targets` whose steps are given; TargetList and literal fetcher, like helpers' simpleDescriptor. */
export function stepsJob(
  name: string,
  steps: unknown[],
  over: { targets?: string[]; acquireTimeout?: string } = {},
): Record<string, unknown> {
  return {
    JobName: name,
    Version: "1.0",
    Runs: 1,
    ...(over.acquireTimeout ? { TargetManagerAcquireTimeout: over.acquireTimeout } : {}),
    TestDescriptors: [
      {
        TargetManagerName: "TargetList",
        TargetManagerAcquireParameters: { Targets: (over.targets ?? ["T1"]).map((ID) => ({ ID })) },
        TestFetcherName: "literal",
        TestFetcherFetchParameters: { TestName: "Test", Steps: steps },
      },
    ],
    Reporting: { RunReporters: [{ Name: "noop" }], FinalReporters: [{ Name: "noop" }] },
  };
}

export const sleepStep = (duration: string, label = "nap") => ({
  name: "sleep",
  label,
  parameters: { duration: [duration] },
});

export const cmdStep = (executable: string, args: string[], label = "run") => ({
  name: "cmd",
  label,
  parameters: { executable: [executable], args, emit_stdout: [true], emit_stderr: [true] },
});
