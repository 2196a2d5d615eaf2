/** Runs the real `ordo` CLI as a child process, as a user would. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CLI, tempDir } from "../helpers.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Server address, passed as ORDO_ADDR (the tests that check --addr pass it as a flag). */
  addr?: string;
  input?: string;
  env?: Record<string, string>;
}

/** The test runner's environment without its own ORDO_* settings, plus what the test asks for. */
function childEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ORDO_ADDR;
  delete env.ORDO_REQUESTOR;
  Object.assign(env, opts.env);
  if (opts.addr !== undefined) env.ORDO_ADDR = opts.addr;
  return env;
}

/** A running CLI process: its output so far, and a way to wait for a line or for the end. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  /** Resolves with the first stdout match of `re` (waiting for more output as needed). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

export function spawnCli(args: string[], opts: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(opts), stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
  });
  child.stdin.end(opts.input);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const waitFor = (re: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = stdout.match(re);
        if (!m) return false;
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        child.stdout.off("data", check);
        reject(new Error(`no ${re} on stdout within ${timeoutMs}ms; got: ${stdout} / ${stderr}`));
      }, timeoutMs);
      if (!check()) child.stdout.on("data", check);
    });
  return { child, stdout: () => stdout, waitFor, done };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** Writes a descriptor (object as JSON, string as is) to a fresh temp file and returns its path. */
export function descriptorFile(doc: unknown, name = "job.json"): string {
  const path = join(tempDir("ordo-cli-"), name);
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  return path;
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

/** A job whose one cmd step runs `sleep 30` on `target` (until stopped). */
export function sleeperDescriptor(name: string, target: string, tags: string[] = []) {
  return {
    JobName: name,
    Tags: tags,
    TestDescriptors: [
      {
        TargetManagerName: "TargetList",
        TargetManagerAcquireParameters: { Targets: [{ ID: target }] },
        TestFetcherName: "literal",
        TestFetcherFetchParameters: {
          TestName: "Sleep",
          Steps: [{ name: "cmd", label: "nap", parameters: { executable: ["sleep"], args: ["30"] } }],
        },
      },
    ],
    Reporting: { RunReporters: [{ Name: "TargetSuccess", Parameters: { SuccessExpression: "=100%" } }] },
  };
}
