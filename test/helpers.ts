/** Test helpers: a real ordo server on a loopback port over a fresh SQLite file, and small HTTP clients. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import type { JobStateName, JobStatus } from "../src/api/types.js";
import { compileConfig, type RawConfig } from "../src/config.js";
import { type OrdoServer, startServer } from "../src/server.js";

/** The repository root (tests run from dist/test/). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** ConTest's sample descriptors: the shared copy beside the checkout when present, else the vendored copy. */
export const SAMPLES_DIR = existsSync(resolve(REPO_ROOT, "../shared/contest-samples/test-simple.yaml"))
  ? resolve(REPO_ROOT, "../shared/contest-samples")
  : resolve(REPO_ROOT, "test/fixtures/contest-samples");

export const CLI = join(REPO_ROOT, "dist/src/cli/main.js");

export interface TestServer {
  url: string;
  /** grpc://127.0.0.1:port */
  grpcUrl: string;
  server: OrdoServer;
  dataDir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = "ordo-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a real server on 127.0.0.1:0 with its own data directory. */
export async function startTestServer(raw: RawConfig = {}): Promise<TestServer> {
  const dataDir = raw.dataDir ?? tempDir();
  const config = compileConfig({
    httpAddr: "127.0.0.1:0",
    grpcAddr: "127.0.0.1:0",
    serverId: "test-server",
    ...raw,
    dataDir,
  });
  const server = await startServer(config, pino({ level: process.env.ORDO_TEST_LOG ?? "silent" }));
  return {
    url: server.addresses.http as string,
    grpcUrl: server.addresses.grpc as string,
    server,
    dataDir,
    async close() {
      await server.close();
      if (raw.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One real server for the whole test file: started in `before`, closed in `after`. The returned object reads
 * through to it, so tests use `srv.url` as with `startTestServer`.
 */
export function useTestServer(raw: RawConfig = {}): TestServer {
  let current: TestServer | undefined;
  before(async () => {
    current = await startTestServer(raw);
  });
  after(() => current?.close());
  const get = (): TestServer => {
    if (!current) throw new Error("the test server starts in before()");
    return current;
  };
  return {
    get url() {
      return get().url;
    },
    get grpcUrl() {
      return get().grpcUrl;
    },
    get server() {
      return get().server;
    },
    get dataDir() {
      return get().dataDir;
    },
    close: () => get().close(),
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function result<T>(res: Response): Promise<HttpResult<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** POSTs form fields (repeated keys for arrays), as contestcli does. */
export async function postForm<T = unknown>(
  url: string,
  path: string,
  fields: Record<string, string | string[]>,
): Promise<HttpResult<T>> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
  return result<T>(await fetch(url + path, { method: "POST", body: form }));
}

export async function request<T = unknown>(url: string, path: string, init: RequestInit = {}): Promise<HttpResult<T>> {
  return result<T>(await fetch(url + path, init));
}

/** Submits a descriptor over REST v1 and returns its job ID. */
export async function submit(url: string, descriptor: unknown, requestor = "tester"): Promise<number> {
  const isText = typeof descriptor === "string";
  const res = await request<{ JobID: number }>(url, "/api/v1/jobs", {
    method: "POST",
    headers: { "content-type": isText ? "application/yaml" : "application/json", "x-ordo-requestor": requestor },
    body: isText ? descriptor : JSON.stringify(descriptor),
  });
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${res.text}`);
  return res.body.JobID;
}

export async function jobStatus(url: string, jobId: number): Promise<JobStatus> {
  const res = await request<JobStatus>(url, `/api/v1/jobs/${jobId}`);
  if (res.status !== 200) throw new Error(`status failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Polls until the job is in one of `states`; fails after `timeoutMs`. */
export async function waitForState(
  url: string,
  jobId: number,
  states: JobStateName[],
  timeoutMs = 20_000,
): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await jobStatus(url, jobId);
    if (states.includes(s.State)) return s;
    if (Date.now() > deadline)
      throw new Error(
        `job ${jobId} still ${s.State} after ${timeoutMs}ms (wanted ${states.join("/")}) ${s.StateErrMsg}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A minimal valid descriptor with one cmd step per target. */
export function simpleDescriptor(
  over: { name?: string; targets?: string[]; steps?: unknown[]; runs?: number; tags?: string[] } = {},
) {
  return {
    JobName: over.name ?? "job",
    Version: "1.0",
    Runs: over.runs ?? 1,
    Tags: over.tags ?? [],
    TestDescriptors: [
      {
        TargetManagerName: "TargetList",
        TargetManagerAcquireParameters: { Targets: (over.targets ?? ["T1"]).map((ID) => ({ ID })) },
        TestFetcherName: "literal",
        TestFetcherFetchParameters: {
          TestName: "Test",
          Steps: over.steps ?? [{ name: "echo", label: "say", parameters: { text: ["hello {{ .ID }}"] } }],
        },
      },
    ],
    Reporting: {
      RunReporters: [{ Name: "TargetSuccess", Parameters: { SuccessExpression: "=100%" } }],
      FinalReporters: [{ Name: "noop" }],
    },
  };
}
