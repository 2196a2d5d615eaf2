/**
 * Transport conformance: one table of scenarios, run against every transport through a small adapter, with the
 * outcomes normalised and compared. Every transport must give the same result, the same error code and the same
 * error message for the same request, and a rejected request stores nothing.
 * Adding a transport means adding one TransportAdapter to `ADAPTERS`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type * as grpc from "@grpc/grpc-js";
import { stringify as toYaml } from "yaml";
import type { JobStatus, JobSummary } from "../../src/api/types.js";
import { errorInfoOf } from "../../src/listeners/grpc/errors.js";
import { JobServiceClient } from "../grpc/client.js";
import { request, simpleDescriptor, startTestServer, type TestServer } from "../helpers.js";

type Kind = "invalid" | "not_found" | "conflict" | "timeout" | "unavailable" | "too_large" | "internal";

interface TransportError {
  kind: Kind;
  code: string;
  message: string;
  /** The input field at fault, when the transport reports one (problem+json `field`, ErrorInfo metadata). */
  field: string | null;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: TransportError };

/** The parts of a job's status every transport carries, in one shape. */
interface NormalStatus {
  jobId: string;
  name: string;
  state: string;
  stateErrMsg: string;
  requestor: string;
  tags: string[];
  retryOf: string | null;
  runs: number;
}

interface TransportAdapter {
  readonly name: string;
  start(descriptorText: string, requestor: string, idempotencyKey?: string): Promise<Result<{ jobId: string }>>;
  stop(jobId: string, requestor: string): Promise<Result<Record<string, never>>>;
  /** A read: without `requestor` none is declared. */
  status(jobId: string, requestor?: string): Promise<Result<NormalStatus>>;
  retry(jobId: string, requestor: string): Promise<Result<{ jobId: string; newJobId: string }>>;
  /** Job IDs in any of `states` carrying all of `tags` (every page). A read: without `requestor` none is declared. */
  list(states: string[], tags: string[], requestor?: string): Promise<Result<string[]>>;
  version(): Promise<Result<number>>;
  close(): void;
}

const REQUESTOR = "conformance";

// ---------------------------------------------------------------------------------------------------------------
// HTTP (REST v1)

/** HTTP status → kind; 503 is shared by two kinds, told apart by the code. */
function httpKind(status: number, code: string): Kind {
  switch (status) {
    case 400:
      return "invalid";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "too_large";
    case 503:
      return code === "ORDO_ERR_TIMEOUT" ? "timeout" : "unavailable";
    default:
      return "internal";
  }
}

interface Problem {
  code: string;
  detail: string;
  field?: string;
}

class HttpAdapter implements TransportAdapter {
  readonly name = "http";
  constructor(private readonly url: string) {}

  private async call<T>(path: string, init: RequestInit, ok: number[]): Promise<Result<T>> {
    const res = await request<T | Problem>(this.url, path, init);
    if (ok.includes(res.status)) return { ok: true, value: res.body as T };
    const p = res.body as Problem;
    assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/, res.text);
    return {
      ok: false,
      error: { kind: httpKind(res.status, p.code), code: p.code, message: p.detail, field: p.field ?? null },
    };
  }

  private static headers(requestor: string, extra: Record<string, string> = {}): Record<string, string> {
    return requestor === "" ? extra : { "x-ordo-requestor": requestor, ...extra };
  }

  private static jobPath(jobId: string, suffix = ""): string {
    return `/api/v1/jobs/${encodeURIComponent(jobId)}${suffix}`;
  }

  async start(descriptorText: string, requestor: string, idempotencyKey?: string) {
    const type = descriptorText.trim().startsWith("{") ? "application/json" : "application/yaml";
    const extra: Record<string, string> = { "content-type": type };
    if (idempotencyKey) extra["idempotency-key"] = idempotencyKey;
    const r = await this.call<{ JobID: number }>(
      "/api/v1/jobs",
      { method: "POST", headers: HttpAdapter.headers(requestor, extra), body: descriptorText },
      [200, 201],
    );
    return r.ok ? { ok: true as const, value: { jobId: String(r.value.JobID) } } : r;
  }

  async stop(jobId: string, requestor: string) {
    const r = await this.call<unknown>(
      HttpAdapter.jobPath(jobId, "/stop"),
      { method: "POST", headers: HttpAdapter.headers(requestor) },
      [202],
    );
    return r.ok ? { ok: true as const, value: {} } : r;
  }

  async status(jobId: string, requestor = "") {
    const r = await this.call<JobStatus>(
      HttpAdapter.jobPath(jobId),
      { headers: HttpAdapter.headers(requestor) },
      [200],
    );
    if (!r.ok) return r;
    const s = r.value;
    return {
      ok: true as const,
      value: {
        jobId: String(s.JobID),
        name: s.Name,
        state: s.State,
        stateErrMsg: s.StateErrMsg,
        requestor: s.Requestor,
        tags: s.Tags,
        retryOf: s.RetryOf === null ? null : String(s.RetryOf),
        runs: s.RunStatuses.length,
      },
    };
  }

  async retry(jobId: string, requestor: string) {
    const r = await this.call<{ JobID: number; NewJobID: number }>(
      HttpAdapter.jobPath(jobId, "/retry"),
      { method: "POST", headers: HttpAdapter.headers(requestor) },
      [201],
    );
    return r.ok
      ? { ok: true as const, value: { jobId: String(r.value.JobID), newJobId: String(r.value.NewJobID) } }
      : r;
  }

  async list(states: string[], tags: string[], requestor = "") {
    const ids: string[] = [];
    let after: number | null = null;
    do {
      const q = new URLSearchParams();
      for (const s of states) q.append("state", s);
      for (const t of tags) q.append("tag", t);
      q.set("limit", "2");
      if (after !== null) q.set("after", String(after));
      const r: Result<{ jobs: JobSummary[]; next: number | null }> = await this.call(
        `/api/v1/jobs?${q}`,
        { headers: HttpAdapter.headers(requestor) },
        [200],
      );
      if (!r.ok) return r;
      ids.push(...r.value.jobs.map((j) => String(j.JobID)));
      after = r.value.next;
    } while (after !== null);
    return { ok: true as const, value: ids };
  }

  async version() {
    const r = await this.call<{ Version: number }>("/api/v1/version", {}, [200]);
    return r.ok ? { ok: true as const, value: r.value.Version } : r;
  }

  close(): void {}
}

// ---------------------------------------------------------------------------------------------------------------
// gRPC (ordo.v1.JobService)

/** gRPC status code → kind. */
function grpcKind(code: number): Kind {
  switch (code) {
    case 3:
      return "invalid";
    case 5:
      return "not_found";
    case 9:
      return "conflict";
    case 4:
      return "timeout";
    case 14:
      return "unavailable";
    case 8:
      return "too_large";
    default:
      return "internal";
  }
}

interface WireStatus {
  job_id: string;
  name: string;
  state: string;
  state_err_msg: string;
  requestor: string;
  tags: string[];
  retry_of: string;
  run_statuses: unknown[];
}

class GrpcAdapter implements TransportAdapter {
  readonly name = "grpc";
  private readonly client: JobServiceClient;
  constructor(grpcUrl: string) {
    this.client = new JobServiceClient(grpcUrl);
  }

  private async call<T>(method: string, req: object): Promise<Result<T>> {
    try {
      return { ok: true, value: await this.client.call<T>(method, req) };
    } catch (err) {
      const e = err as grpc.ServiceError;
      const info = errorInfoOf(e);
      assert.ok(info, `${method}: error without an ErrorInfo detail: ${e.code} ${e.details}`);
      return {
        ok: false,
        error: { kind: grpcKind(e.code), code: info.reason, message: e.details, field: info.field ?? null },
      };
    }
  }

  async start(descriptorText: string, requestor: string, idempotencyKey?: string) {
    const r = await this.call<{ job_id: string }>("Start", {
      descriptor: descriptorText,
      requestor,
      idempotency_key: idempotencyKey ?? "",
    });
    return r.ok ? { ok: true as const, value: { jobId: r.value.job_id } } : r;
  }

  async stop(jobId: string, requestor: string) {
    const r = await this.call<object>("Stop", { job_id: jobId, requestor });
    return r.ok ? { ok: true as const, value: {} } : r;
  }

  async status(jobId: string, requestor = "") {
    const r = await this.call<{ status: WireStatus }>("Status", { job_id: jobId, requestor });
    if (!r.ok) return r;
    const s = r.value.status;
    return {
      ok: true as const,
      value: {
        jobId: s.job_id,
        name: s.name,
        state: s.state,
        stateErrMsg: s.state_err_msg,
        requestor: s.requestor,
        tags: s.tags,
        retryOf: s.retry_of === "" ? null : s.retry_of,
        runs: s.run_statuses.length,
      },
    };
  }

  async retry(jobId: string, requestor: string) {
    const r = await this.call<{ job_id: string; new_job_id: string }>("Retry", { job_id: jobId, requestor });
    return r.ok ? { ok: true as const, value: { jobId: r.value.job_id, newJobId: r.value.new_job_id } } : r;
  }

  async list(states: string[], tags: string[], requestor = "") {
    const ids: string[] = [];
    let token = "";
    do {
      const r: Result<{ jobs: { job_id: string }[]; next_page_token: string }> = await this.call("List", {
        states,
        tags,
        requestor,
        page_size: 2,
        page_token: token,
      });
      if (!r.ok) return r;
      ids.push(...r.value.jobs.map((j) => j.job_id));
      token = r.value.next_page_token;
    } while (token !== "");
    return { ok: true as const, value: ids };
  }

  async version() {
    const r = await this.call<{ version: number }>("Version", {});
    return r.ok ? { ok: true as const, value: r.value.version } : r;
  }

  close(): void {
    this.client.close();
  }
}

/** Every transport under test, made for a running server: adding a transport means adding its adapter here. */
const ADAPTERS: ((srv: TestServer) => TransportAdapter)[] = [
  (srv) => new HttpAdapter(srv.url),
  (srv) => new GrpcAdapter(srv.grpcUrl),
];

// ---------------------------------------------------------------------------------------------------------------
// Helpers over any adapter

function must<T>(r: Result<T>, what: string): T {
  if (!r.ok) assert.fail(`${what}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

const TERMINAL = new Set(["JobStateCompleted", "JobStateFailed", "JobStateCancelled", "JobStateCancellationFailed"]);

async function waitState(t: TransportAdapter, jobId: string, states: Set<string>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = must(await t.status(jobId), `status ${jobId}`);
    if (states.has(s.state)) return s;
    if (TERMINAL.has(s.state))
      assert.fail(`job ${jobId} ended ${s.state}, not ${[...states].join("/")}: ${s.stateErrMsg}`);
    if (Date.now() > deadline) assert.fail(`job ${jobId} still ${s.state} after ${timeoutMs}ms ${s.stateErrMsg}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const waitEnd = (t: TransportAdapter, jobId: string) => waitState(t, jobId, TERMINAL);

let uniq = 0;
/** A name no other scenario (or transport) uses, for tags, targets and idempotency keys. */
function unique(prefix: string): string {
  uniq += 1;
  return `${prefix}-${process.pid}-${uniq}`;
}

function echoJob(o: { name?: string; tags?: string[]; target?: string } = {}): string {
  return JSON.stringify(
    simpleDescriptor({ name: o.name ?? "echo job", tags: o.tags ?? [], targets: [o.target ?? unique("T")] }),
  );
}

/** A job that runs until stopped (each transport's copy has its own target, so they never wait for each other). */
function sleepJob(o: { tags?: string[] } = {}): string {
  return JSON.stringify(
    simpleDescriptor({
      name: "long job",
      tags: o.tags ?? [],
      targets: [unique("T")],
      steps: [{ name: "cmd", label: "nap", parameters: { executable: ["sleep"], args: ["30"] } }],
    }),
  );
}

/** A valid descriptor with one change, as JSON text. */
function mutated(change: (d: ReturnType<typeof simpleDescriptor>) => void): string {
  const d = simpleDescriptor({ targets: ["T1"] });
  change(d);
  return JSON.stringify(d);
}

function firstTest(d: ReturnType<typeof simpleDescriptor>) {
  return d.TestDescriptors[0]!.TestFetcherFetchParameters;
}

// ---------------------------------------------------------------------------------------------------------------
// The table

interface Scenario {
  name: string;
  /** Runs against one transport and returns a transport-free outcome (no job IDs, no times). */
  run(t: TransportAdapter): Promise<unknown>;
  expected: unknown;
}

const SCENARIOS: Scenario[] = [
  {
    name: "a started job runs to JobStateCompleted and its status carries name, tags, requestor and one run",
    async run(t) {
      const { jobId } = must(
        await t.start(echoJob({ name: "conformance echo", tags: ["alpha", "beta"] }), "alice"),
        "start",
      );
      const s = await waitEnd(t, jobId);
      return { ...s, jobId: s.jobId === jobId };
    },
    expected: {
      jobId: true,
      name: "conformance echo",
      state: "JobStateCompleted",
      stateErrMsg: "",
      requestor: "alice",
      tags: ["alpha", "beta"],
      retryOf: null,
      runs: 1,
    },
  },
  {
    name: "a YAML descriptor is accepted like its JSON twin",
    async run(t) {
      const yaml = toYaml(JSON.parse(echoJob({ name: "yaml job" })));
      const { jobId } = must(await t.start(yaml, REQUESTOR), "start");
      const s = await waitEnd(t, jobId);
      return { name: s.name, state: s.state };
    },
    expected: { name: "yaml job", state: "JobStateCompleted" },
  },
  {
    name: "stopping a running job ends it in JobStateCancelled, and stopping it again is a conflict",
    async run(t) {
      const { jobId } = must(await t.start(sleepJob(), REQUESTOR), "start");
      await waitState(t, jobId, new Set(["JobStateStarted"]));
      const stopped = must(await t.stop(jobId, "bob"), "stop");
      const s = await waitEnd(t, jobId);
      const again = await t.stop(jobId, "bob");
      return {
        stopped,
        state: s.state,
        again: again.ok ? "ok" : { ...again.error, message: again.error.message.replaceAll(jobId, "<id>") },
      };
    },
    expected: {
      stopped: {},
      state: "JobStateCancelled",
      again: {
        kind: "conflict",
        code: "ORDO_ERR_JOB_NOT_RUNNING",
        message: "job <id> is not running (state JobStateCancelled)",
        field: null,
      },
    },
  },
  {
    name: "retrying a finished job starts a new job that completes and records which job it retries",
    async run(t) {
      const { jobId } = must(await t.start(echoJob({ name: "to retry", tags: ["again"] }), REQUESTOR), "start");
      await waitEnd(t, jobId);
      const r = must(await t.retry(jobId, "carol"), "retry");
      const s = await waitEnd(t, r.newJobId);
      return {
        jobId: r.jobId === jobId,
        newJobIsNew: r.newJobId !== jobId,
        retryOf: s.retryOf === jobId,
        name: s.name,
        tags: s.tags,
        requestor: s.requestor,
        state: s.state,
      };
    },
    expected: {
      jobId: true,
      newJobIsNew: true,
      retryOf: true,
      name: "to retry",
      tags: ["again"],
      requestor: "carol",
      state: "JobStateCompleted",
    },
  },
  {
    name: "retrying a running job is a conflict and starts nothing",
    async run(t) {
      const { jobId } = must(await t.start(sleepJob(), REQUESTOR), "start");
      await waitState(t, jobId, new Set(["JobStateStarted"]));
      const before = must(await t.list([], []), "list");
      const r = await t.retry(jobId, REQUESTOR);
      const afterIds = must(await t.list([], []), "list");
      must(await t.stop(jobId, REQUESTOR), "stop");
      await waitEnd(t, jobId);
      return {
        error: r.ok ? "retry succeeded" : { ...r.error, message: r.error.message.replaceAll(jobId, "<id>") },
        stored: afterIds.length - before.length,
      };
    },
    expected: {
      error: {
        kind: "conflict",
        code: "ORDO_ERR_JOB_STILL_RUNNING",
        message: "job <id> is still running (state JobStateStarted): stop it or wait for it to end",
        field: null,
      },
      stored: 0,
    },
  },
  {
    name: "list returns jobs in any of the given states that carry all of the given tags, across pages",
    async run(t) {
      const u = unique("list");
      const a = must(await t.start(echoJob({ tags: [u, "a"] }), REQUESTOR), "start a").jobId;
      const b = must(await t.start(echoJob({ tags: [u, "b"] }), REQUESTOR), "start b").jobId;
      const c = must(await t.start(echoJob({ tags: [u, "a", "b"] }), REQUESTOR), "start c").jobId;
      const d = must(await t.start(sleepJob({ tags: [u, "a"] }), REQUESTOR), "start d").jobId;
      for (const id of [a, b, c]) await waitEnd(t, id);
      await waitState(t, d, new Set(["JobStateStarted"]));
      const names = new Map([
        [a, "a"],
        [b, "b"],
        [c, "c"],
        [d, "d"],
      ]);
      const named = async (states: string[], tags: string[]) =>
        must(await t.list(states, tags), `list ${states} ${tags}`)
          .map((id) => names.get(id) ?? `other ${id}`)
          .sort();
      const out = {
        all: await named([], [u]),
        completed: await named(["JobStateCompleted"], [u]),
        tagA: await named([], [u, "a"]),
        tagsAB: await named([], [u, "a", "b"]),
        startedOrCompletedA: await named(["JobStateStarted", "JobStateCompleted"], [u, "a"]),
        started: await named(["JobStateStarted"], [u]),
        cancelled: await named(["JobStateCancelled"], [u]),
        unknownTag: await named([], [u, "zzz"]),
      };
      must(await t.stop(d, REQUESTOR), "stop");
      await waitEnd(t, d);
      return out;
    },
    expected: {
      all: ["a", "b", "c", "d"],
      completed: ["a", "b", "c"],
      tagA: ["a", "c", "d"],
      tagsAB: ["c"],
      startedOrCompletedA: ["a", "c", "d"],
      started: ["d"],
      cancelled: [],
      unknownTag: [],
    },
  },
  {
    name: "reads (status, list) need no declared requestor and answer the same with one",
    async run(t) {
      const tag = unique("reads");
      const { jobId } = must(await t.start(echoJob({ tags: [tag] }), "dave"), "start");
      await waitEnd(t, jobId);
      const anonymous = must(await t.status(jobId), "anonymous status");
      const declared = must(await t.status(jobId, "erin"), "declared status");
      const listed = must(await t.list([], [tag]), "anonymous list");
      const listedDeclared = must(await t.list([], [tag], "erin"), "declared list");
      return {
        sameStatus: JSON.stringify(anonymous) === JSON.stringify(declared),
        requestor: anonymous.requestor,
        listed: listed.length === 1 && listed[0] === jobId,
        sameList: JSON.stringify(listed) === JSON.stringify(listedDeclared),
      };
    },
    expected: { sameStatus: true, requestor: "dave", listed: true, sameList: true },
  },
  {
    name: "version is API version 5",
    async run(t) {
      return must(await t.version(), "version");
    },
    expected: 5,
  },
  {
    name: "a resubmission with the same idempotency key returns the same job and stores nothing new",
    async run(t) {
      const key = unique("key");
      const text = echoJob();
      const before = must(await t.list([], []), "list").length;
      const first = must(await t.start(text, REQUESTOR, key), "start 1").jobId;
      const second = must(await t.start(text, REQUESTOR, key), "start 2").jobId;
      const other = must(await t.start(text, REQUESTOR, unique("key")), "start 3").jobId;
      const stored = must(await t.list([], []), "list").length - before;
      for (const id of [first, other]) await waitEnd(t, id);
      return { same: first === second, otherKeyIsNewJob: other !== first, stored };
    },
    expected: { same: true, otherKeyIsNewJob: true, stored: 2 },
  },
];

/** A request every transport must reject with the same code and message, storing nothing. */
interface BadInput {
  name: string;
  call(t: TransportAdapter): Promise<Result<unknown>>;
  kind: Kind;
  code: string;
  /** The message must name the field or value at fault. */
  mentions: string;
}

const startText =
  (text: string, requestor = REQUESTOR) =>
  (t: TransportAdapter) =>
    t.start(text, requestor);
const VALID = JSON.stringify(simpleDescriptor({ targets: ["T1"] }));

const BAD_INPUTS: BadInput[] = [
  {
    name: "malformed JSON",
    call: startText('{"JobName": "x", "Runs": 1,'),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "malformed JSON",
  },
  {
    name: "malformed YAML",
    call: startText("JobName: [unclosed\nRuns: 1\n"),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "malformed YAML",
  },
  {
    name: "a descriptor that is not an object",
    call: startText("- just\n- a list\n"),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "descriptor",
  },
  {
    name: "an unsupported Version",
    call: startText(
      mutated((d) => {
        d.Version = "2.0";
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "Version",
  },
  {
    name: "a step without a label",
    call: startText(
      mutated((d) => {
        firstTest(d).Steps = [{ name: "echo", parameters: { text: ["hi"] } }];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "Steps[0].label",
  },
  {
    name: "duplicate step labels",
    call: startText(
      mutated((d) => {
        const step = { name: "echo", label: "same", parameters: { text: ["hi"] } };
        firstTest(d).Steps = [step, step];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: 'duplicate step label "same"',
  },
  {
    name: "an unknown step plugin",
    call: startText(
      mutated((d) => {
        firstTest(d).Steps = [{ name: "teleport", label: "go", parameters: {} }];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: '"teleport"',
  },
  {
    name: "a cmd executable that does not exist",
    call: startText(
      mutated((d) => {
        firstTest(d).Steps = [
          { name: "cmd", label: "run", parameters: { executable: ["ordo-no-such-executable-xyz"], args: [] } },
        ];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "ordo-no-such-executable-xyz",
  },
  {
    name: "a malformed duration",
    call: startText(
      mutated((d) => {
        Object.assign(d, { RunInterval: "5 fortnights" });
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "RunInterval",
  },
  {
    name: "a tag with forbidden characters",
    call: startText(
      mutated((d) => {
        d.Tags = ["ok", "not ok!"];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "Tags[1]",
  },
  {
    name: "duplicate tags",
    call: startText(
      mutated((d) => {
        d.Tags = ["twice", "twice"];
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: 'duplicate tag "twice"',
  },
  {
    name: "a JobName longer than 64 characters",
    call: startText(
      mutated((d) => {
        d.JobName = "n".repeat(65);
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "JobName",
  },
  {
    name: "a missing JobName",
    call: startText(
      mutated((d) => {
        Reflect.deleteProperty(d, "JobName");
      }),
    ),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "JobName",
  },
  {
    name: "a missing requestor",
    call: startText(VALID, ""),
    kind: "invalid",
    code: "ORDO_ERR_REQUESTOR_INVALID",
    mentions: "requestor",
  },
  {
    name: "a requestor longer than 32 characters",
    call: startText(VALID, "r".repeat(33)),
    kind: "invalid",
    code: "ORDO_ERR_REQUESTOR_INVALID",
    mentions: "32",
  },
  {
    name: "a stop without a requestor",
    call: (t) => t.stop("999999", ""),
    kind: "invalid",
    code: "ORDO_ERR_REQUESTOR_INVALID",
    mentions: "requestor",
  },
  {
    name: "a retry without a requestor",
    call: (t) => t.retry("999999", ""),
    kind: "invalid",
    code: "ORDO_ERR_REQUESTOR_INVALID",
    mentions: "requestor",
  },
  {
    name: "a status read declaring a requestor longer than 32 characters",
    call: (t) => t.status("999999", "r".repeat(33)),
    kind: "invalid",
    code: "ORDO_ERR_REQUESTOR_INVALID",
    mentions: "32",
  },
  {
    name: "an empty descriptor",
    call: startText("   "),
    kind: "invalid",
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    mentions: "empty",
  },
  ...(["status", "stop", "retry"] as const).flatMap((op): BadInput[] => {
    const call = (id: string) => (t: TransportAdapter) => (op === "status" ? t.status(id) : t[op](id, REQUESTOR));
    return [
      {
        name: `${op} of a non-numeric job ID`,
        call: call("abc"),
        kind: "invalid",
        code: "ORDO_ERR_JOB_ID_INVALID",
        mentions: '"abc"',
      },
      {
        name: `${op} of an unknown job ID`,
        call: call("999999"),
        kind: "not_found",
        code: "ORDO_ERR_JOB_NOT_FOUND",
        mentions: "999999",
      },
    ];
  }),
  {
    name: "list with an unknown state",
    call: (t) => t.list(["JobStateSleepy"], []),
    kind: "invalid",
    code: "ORDO_ERR_ARGUMENT_INVALID",
    mentions: "JobStateSleepy",
  },
  {
    name: "list with a malformed tag",
    call: (t) => t.list([], ["bad tag"]),
    kind: "invalid",
    code: "ORDO_ERR_ARGUMENT_INVALID",
    mentions: "bad tag",
  },
];

// ---------------------------------------------------------------------------------------------------------------

describe("every transport behaves the same", () => {
  let srv: TestServer;
  let adapters: TransportAdapter[];

  before(async () => {
    srv = await startTestServer();
    adapters = ADAPTERS.map((make) => make(srv));
  });
  after(async () => {
    for (const a of adapters ?? []) a.close();
    await srv?.close();
  });

  for (const sc of SCENARIOS) {
    test(sc.name, async () => {
      const outcomes: unknown[] = [];
      for (const t of adapters) outcomes.push(await sc.run(t));
      adapters.forEach((t, i) => {
        assert.deepEqual(outcomes[i], sc.expected, `${t.name}: ${JSON.stringify(outcomes[i])}`);
      });
    });
  }

  for (const bad of BAD_INPUTS) {
    test(`${bad.name} is rejected with ${bad.code} and the same message on every transport, storing nothing`, async () => {
      const errors: TransportError[] = [];
      for (const t of adapters) {
        const before = must(await t.list([], []), "list before");
        const r = await bad.call(t);
        const afterIds = must(await t.list([], []), "list after");
        assert.equal(r.ok, false, `${t.name}: ${bad.name} was accepted: ${JSON.stringify(r)}`);
        if (r.ok) return;
        assert.equal(r.error.code, bad.code, `${t.name}: ${r.error.message}`);
        assert.equal(r.error.kind, bad.kind, `${t.name}: ${r.error.code}`);
        assert.ok(
          r.error.message.includes(bad.mentions),
          `${t.name}: message ${JSON.stringify(r.error.message)} should mention ${bad.mentions}`,
        );
        assert.deepEqual(afterIds, before, `${t.name}: something was stored`);
        errors.push(r.error);
      }
      for (const [i, e] of errors.entries())
        assert.deepEqual(e, errors[0], `${adapters[i]?.name} differs from ${adapters[0]?.name}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The body size limit is each transport's own mechanism, so it is checked per transport.

describe("a request over the body limit", () => {
  const LIMIT = 2048;
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ bodyLimit: LIMIT });
  });
  after(() => srv.close());

  const big = () => mutated((d) => Object.assign(d, { Padding: "x".repeat(LIMIT * 2) }));

  test("is refused over REST with 413 ORDO_ERR_BODY_TOO_LARGE, storing nothing", async () => {
    const t = new HttpAdapter(srv.url);
    const r = await t.start(big(), REQUESTOR);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, "too_large");
    assert.equal(r.error.code, "ORDO_ERR_BODY_TOO_LARGE");
    assert.deepEqual(must(await t.list([], []), "list"), []);
  });

  test("is refused over gRPC with RESOURCE_EXHAUSTED, storing nothing", async () => {
    const client = new JobServiceClient(srv.grpcUrl);
    try {
      await assert.rejects(
        client.call("Start", { descriptor: big(), requestor: REQUESTOR }),
        (err: grpc.ServiceError) => {
          assert.equal(err.code, 8, err.details);
          return true;
        },
      );
      const t = new GrpcAdapter(srv.grpcUrl);
      assert.deepEqual(must(await t.list([], []), "list"), []);
      t.close();
    } finally {
      client.close();
    }
  });
});
