/**
 * Bad input on both HTTP faces: each gets a clear error naming the field, the server keeps serving, and nothing
 * is stored. The ConTest face answers as ConTest does (argument and transport errors are HTTP 400 {"Msg"}, the
 * job manager's errors HTTP 200 with the envelope's Error); REST answers application/problem+json.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postForm, request, simpleDescriptor, startTestServer, type TestServer, useTestServer } from "../helpers.js";

const srv = useTestServer();

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  instance?: string;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
};

/** The exact problem+json reply. */
function assertProblem(
  res: { status: number; headers: Headers; body: unknown },
  want: { status: number; code: string; detail: string; field?: string; instance?: string },
): void {
  assert.equal(res.status, want.status);
  assert.equal(res.headers.get("content-type"), "application/problem+json; charset=utf-8");
  const { instance: _ignored, ...body } = res.body as Problem;
  assert.deepEqual(body, {
    type: `https://ordo.dev/errors/${want.code}`,
    title: TITLES[want.status],
    status: want.status,
    detail: want.detail,
    code: want.code,
    ...(want.field === undefined ? {} : { field: want.field }),
  });
  if (want.instance !== undefined) assert.equal((res.body as Problem).instance, want.instance);
}

/** ConTest's argument error: HTTP 400 {"Msg"}. */
function assertContestArgError(res: { status: number; body: unknown }, msg: string): void {
  assert.equal(res.status, 400);
  assert.deepEqual(res.body, { Msg: msg });
}

/** ConTest's in-band error: HTTP 200, the envelope with Data null. */
function assertContestEnvelopeError(res: { status: number; body: unknown }, type: string, error: string): void {
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ServerID: "test-server", Type: type, Data: null, Error: error });
}

/** After a bad input: both faces still answer, and no job or event was stored. */
async function assertServingAndNothingStored(s: TestServer = srv): Promise<void> {
  const rest = await request(s.url, "/api/v1/version");
  assert.equal(rest.status, 200);
  assert.deepEqual(rest.body, { Version: 5, ServerID: "test-server" });
  const contest = await postForm(s.url, "/version", {});
  assert.equal(contest.status, 200);
  assert.deepEqual(contest.body, {
    ServerID: "test-server",
    Type: "ResponseTypeVersion",
    Data: { Version: 5 },
    Error: null,
  });
  const list = await request<{ jobs: unknown[] }>(s.url, "/api/v1/jobs");
  assert.deepEqual(list.body.jobs, []);
  // And straight from the SQLite file: no job row, no event.
  const db = s.server.storage.db;
  assert.equal((db.prepare("SELECT count(*) AS n FROM jobs").get() as { n: number }).n, 0);
  assert.equal((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n, 0);
}

function restStart(body: string, contentType = "application/json", headers: Record<string, string> = {}) {
  return request(srv.url, "/api/v1/jobs", {
    method: "POST",
    headers: { "content-type": contentType, "x-ordo-requestor": "tester", ...headers },
    body,
  });
}

function contestStart(jobDesc: string, requestor = "tester") {
  return postForm(srv.url, "/start", { jobDesc, requestor });
}

type Descriptor = ReturnType<typeof simpleDescriptor>;
type Step = { name?: string; label?: string; parameters?: Record<string, unknown[]> };

/** A valid descriptor with one change. */
function changed(change: (d: Descriptor, steps: Step[], test: Record<string, unknown>) => void): string {
  const d = simpleDescriptor();
  const test0 = d.TestDescriptors[0] as unknown as Record<string, unknown> & {
    TestFetcherFetchParameters: { Steps: Step[] };
  };
  change(d, test0.TestFetcherFetchParameters.Steps, test0);
  return JSON.stringify(d);
}

const STEP0 = "TestDescriptors[0].TestFetcherFetchParameters.Steps[0]";

/** Descriptor problems: REST 400 ORDO_ERR_DESCRIPTOR_INVALID naming the field; ConTest 200 envelope Error. */
const DESCRIPTOR_CASES: { name: string; body: string; contentType?: string; field: string; detail: string }[] = [
  {
    name: "malformed JSON",
    body: '{"JobName": "job", "Runs": ',
    field: "descriptor",
    detail: "descriptor: malformed JSON: Unexpected end of JSON input",
  },
  {
    name: "malformed YAML",
    body: "JobName: job\nRuns: [1, 2\n",
    contentType: "application/yaml",
    field: "descriptor",
    detail:
      "descriptor: malformed YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 12",
  },
  {
    name: "a document that is not an object",
    body: "- just\n- a list\n",
    contentType: "application/yaml",
    field: "descriptor",
    detail: "descriptor: must be a JSON or YAML object",
  },
  {
    name: 'wrong Version ("2.0")',
    body: changed((d) => {
      d.Version = "2.0";
    }),
    field: "Version",
    detail: 'Version: unsupported version "2.0": this server accepts "1.0"',
  },
  {
    name: "missing step label",
    body: changed((_d, steps) => {
      delete (steps[0] as Step).label;
    }),
    field: `${STEP0}.label`,
    detail: `${STEP0}.label: is required`,
  },
  {
    name: "duplicate step labels",
    body: changed((_d, steps) => {
      steps.push({ name: "echo", label: "say", parameters: { text: ["again"] } });
    }),
    field: "TestDescriptors[0].TestFetcherFetchParameters.Steps[1].label",
    detail: 'TestDescriptors[0].TestFetcherFetchParameters.Steps[1].label: duplicate step label "say"',
  },
  {
    name: "a cleanup step label that repeats a test step label",
    body: changed((_d, _steps, t) => {
      t.CleanupFetcherName = "literal";
      t.CleanupFetcherFetchParameters = {
        TestName: "cleanup",
        Steps: [{ name: "echo", label: "say", parameters: { text: ["bye"] } }],
      };
    }),
    field: "TestDescriptors[0].CleanupFetcherFetchParameters.Steps[0].label",
    detail: 'TestDescriptors[0].CleanupFetcherFetchParameters.Steps[0].label: duplicate step label "say"',
  },
  {
    name: "unknown step plugin",
    body: changed((_d, steps) => {
      (steps[0] as Step).name = "teleport";
    }),
    field: `${STEP0}.name`,
    detail: `${STEP0}.name: unknown step plugin "teleport"`,
  },
  {
    name: "unknown target manager",
    body: changed((_d, _steps, t) => {
      t.TargetManagerName = "NoSuchManager";
    }),
    field: "TestDescriptors[0].TargetManagerName",
    detail: 'TestDescriptors[0].TargetManagerName: unknown target manager "NoSuchManager"',
  },
  {
    name: "unknown reporter",
    body: changed((d) => {
      (d.Reporting.RunReporters[0] as { Name: string }).Name = "NoSuchReporter";
    }),
    field: "Reporting.RunReporters[0].Name",
    detail: 'Reporting.RunReporters[0].Name: unknown reporter "NoSuchReporter"',
  },
  {
    name: "unknown test fetcher",
    body: changed((_d, _steps, t) => {
      t.TestFetcherName = "carrier-pigeon";
    }),
    field: "TestDescriptors[0].TestFetcherName",
    detail: 'TestDescriptors[0].TestFetcherName: unknown test fetcher "carrier-pigeon"',
  },
  {
    name: "a cmd executable that is not found",
    body: changed((_d, steps) => {
      steps[0] = { name: "cmd", label: "run", parameters: { executable: ["no-such-executable-ordo"] } };
    }),
    field: `${STEP0}.parameters.executable`,
    detail: `${STEP0}.parameters.executable: executable "no-such-executable-ordo" not found`,
  },
  {
    name: 'a bad RunInterval ("5 parsecs")',
    body: changed((d) => {
      Object.assign(d, { RunInterval: "5 parsecs" });
    }),
    field: "RunInterval",
    detail: 'RunInterval: invalid duration "5 parsecs" (use e.g. "5s", "300ms", "1.5h")',
  },
  {
    name: "a bad RetryInterval",
    body: changed((_d, _steps, t) => {
      t.RetryParameters = { NumRetries: 1, RetryInterval: "soon" };
    }),
    field: "TestDescriptors[0].RetryParameters.RetryInterval",
    detail:
      'TestDescriptors[0].RetryParameters.RetryInterval: invalid duration "soon" (use e.g. "5s", "300ms", "1.5h")',
  },
  {
    name: "a bad step duration",
    body: changed((_d, steps) => {
      steps[0] = { name: "sleep", label: "nap", parameters: { duration: ["5 parsecs"] } };
    }),
    field: `${STEP0}.parameters.duration`,
    detail: `${STEP0}.parameters.duration: invalid duration "5 parsecs" (use e.g. "5s", "300ms")`,
  },
  {
    name: 'a tag with a space ("has space")',
    body: changed((d) => {
      d.Tags = ["ok", "has space"];
    }),
    field: "Tags[1]",
    detail: 'Tags[1]: invalid tag "has space": use letters, digits, _ and -',
  },
  {
    name: "a duplicate tag",
    body: changed((d) => {
      d.Tags = ["again", "again"];
    }),
    field: "Tags[1]",
    detail: 'Tags[1]: duplicate tag "again"',
  },
  {
    name: "a tag with a leading _",
    body: changed((d) => {
      d.Tags = ["_internal"];
    }),
    field: "Tags[0]",
    detail: 'Tags[0]: tag "_internal": a leading _ is reserved for internal tags',
  },
  {
    name: "a too-long JobName (65 characters)",
    body: changed((d) => {
      d.JobName = "j".repeat(65);
    }),
    field: "JobName",
    detail: "JobName: is longer than 64 characters",
  },
  {
    name: "a missing JobName",
    body: changed((d) => {
      d.JobName = "";
    }),
    field: "JobName",
    detail: "JobName: is required",
  },
  {
    name: "no TestDescriptors",
    body: changed((d) => {
      d.TestDescriptors = [];
    }),
    field: "TestDescriptors",
    detail: "TestDescriptors: must have at least one test",
  },
];

describe("descriptor problems name the field, on both faces", () => {
  for (const c of DESCRIPTOR_CASES) {
    test(`${c.name} is refused with "${c.detail}" and nothing is stored`, async () => {
      assertProblem(await restStart(c.body, c.contentType), {
        status: 400,
        code: "ORDO_ERR_DESCRIPTOR_INVALID",
        detail: c.detail,
        field: c.field,
        instance: "/api/v1/jobs",
      });
      assertContestEnvelopeError(await contestStart(c.body), "ResponseTypeStart", c.detail);
      await assertServingAndNothingStored();
    });
  }
});

test("an empty descriptor is refused on REST, and a missing jobDesc on ConTest", async () => {
  assertProblem(await restStart(""), {
    status: 400,
    code: "ORDO_ERR_DESCRIPTOR_INVALID",
    detail: "descriptor: is empty",
    field: "descriptor",
  });
  assertContestArgError(await postForm(srv.url, "/start", { requestor: "tester" }), "jobDesc is required");
  await assertServingAndNothingStored();
});

test("a body of an unsupported content type is 415 on REST", async () => {
  assertProblem(await restStart("<job/>", "text/xml"), {
    status: 415,
    code: "ORDO_ERR_MEDIA_TYPE_UNSUPPORTED",
    detail: "content-type is not supported: send application/json or application/yaml (form fields on ConTest verbs)",
    field: "content-type",
  });
  await assertServingAndNothingStored();
});

test("a missing requestor is refused on both faces", async () => {
  const body = JSON.stringify(simpleDescriptor());
  assertProblem(
    await request(srv.url, "/api/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body }),
    {
      status: 400,
      code: "ORDO_ERR_REQUESTOR_INVALID",
      // The same words on every transport (test/transport holds them to it); "requestor" names the field.
      detail: "requestor is required",
      field: "requestor",
    },
  );
  assertContestArgError(await postForm(srv.url, "/start", { jobDesc: body }), "requestor is required");
  assertContestArgError(await contestStart(body, ""), "requestor is required");
  await assertServingAndNothingStored();
});

test("a requestor longer than 32 characters is refused on both faces", async () => {
  const body = JSON.stringify(simpleDescriptor());
  const long = "r".repeat(33);
  assertProblem(await restStart(body, "application/json", { "x-ordo-requestor": long }), {
    status: 400,
    code: "ORDO_ERR_REQUESTOR_INVALID",
    detail: "requestor is longer than 32 characters",
    field: "requestor",
  });
  assertContestArgError(await contestStart(body, long), "requestor is longer than 32 characters");
  await assertServingAndNothingStored();
});

const VERBS = [
  { verb: "status", type: "ResponseTypeStatus", method: "GET", path: (id: string) => `/api/v1/jobs/${id}` },
  { verb: "stop", type: "ResponseTypeStop", method: "POST", path: (id: string) => `/api/v1/jobs/${id}/stop` },
  { verb: "retry", type: "ResponseTypeRetry", method: "POST", path: (id: string) => `/api/v1/jobs/${id}/retry` },
] as const;

describe("job IDs", () => {
  for (const v of VERBS) {
    test(`${v.verb} with a non-numeric job ID ("abc") is an argument error on both faces`, async () => {
      const detail = 'invalid job ID "abc": must be a positive integer';
      const rest = await request(srv.url, v.path("abc"), { method: v.method, headers: { "x-ordo-requestor": "t" } });
      assertProblem(rest, { status: 400, code: "ORDO_ERR_JOB_ID_INVALID", detail, field: "jobID" });
      assertContestArgError(await postForm(srv.url, `/${v.verb}`, { jobID: "abc", requestor: "t" }), detail);
      assertContestArgError(
        await postForm(srv.url, `/${v.verb}`, { requestor: "t" }),
        'invalid job ID "": must be a positive integer',
      );
      await assertServingAndNothingStored();
    });

    test(`${v.verb} of an unknown job ID (999999) is not found on both faces`, async () => {
      const rest = await request(srv.url, v.path("999999"), {
        method: v.method,
        headers: { "x-ordo-requestor": "t" },
      });
      assertProblem(rest, { status: 404, code: "ORDO_ERR_JOB_NOT_FOUND", detail: "job 999999 not found" });
      assertContestEnvelopeError(
        await postForm(srv.url, `/${v.verb}`, { jobID: "999999", requestor: "t" }),
        v.type,
        "job 999999 not found",
      );
      await assertServingAndNothingStored();
    });
  }
});

test("List with an unknown state or a bad tag is an argument error on both faces", async () => {
  const state = 'unknown job state "JobStateBogus"';
  assertContestArgError(await postForm(srv.url, "/list", { requestor: "t", states: ["JobStateBogus"] }), state);
  assertProblem(await request(srv.url, "/api/v1/jobs?state=JobStateBogus"), {
    status: 400,
    code: "ORDO_ERR_ARGUMENT_INVALID",
    detail: state,
    field: "states",
  });
  const tag = 'tags[0]: invalid tag "has space": use letters, digits, _ and -';
  assertContestArgError(await postForm(srv.url, "/list", { requestor: "t", tags: ["has space"] }), tag);
  assertProblem(await request(srv.url, "/api/v1/jobs?tag=has%20space"), {
    status: 400,
    code: "ORDO_ERR_ARGUMENT_INVALID",
    detail: tag,
    field: "tags",
  });
  await assertServingAndNothingStored();
});

test("an unsupported method is 400 {Msg} on the ConTest face and 405 with Allow on REST", async () => {
  assertContestArgError(await request(srv.url, "/start"), "method GET is not allowed on /start: use POST");
  const del = await request(srv.url, "/api/v1/jobs", { method: "DELETE" });
  assertProblem(del, {
    status: 405,
    code: "ORDO_ERR_METHOD_NOT_ALLOWED",
    detail: "method DELETE is not allowed on /api/v1/jobs: use POST, GET",
    instance: "/api/v1/jobs",
  });
  assert.equal(del.headers.get("allow"), "POST, GET");
  const put = await request(srv.url, "/api/v1/jobs/1", { method: "PUT" });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET");
  await assertServingAndNothingStored();
});

test("an unknown path is 404 on REST", async () => {
  assertProblem(await request(srv.url, "/api/v1/nothing-here"), {
    status: 404,
    code: "ORDO_ERR_ROUTE_NOT_FOUND",
    detail: "no route GET /api/v1/nothing-here",
    instance: "/api/v1/nothing-here",
  });
  await assertServingAndNothingStored();
});

describe("a body over the size limit", () => {
  let small: TestServer;
  before(async () => {
    small = await startTestServer({ bodyLimit: 1024 });
  });
  after(() => small.close());

  test("is 413 on REST and 400 {Msg} on the ConTest face, and nothing is stored", async () => {
    // Valid in every other way: only its size is wrong.
    const big = JSON.stringify({ ...simpleDescriptor(), Padding: "x".repeat(2000) });
    assert.ok(big.length > 1024);
    const rest = await request(small.url, "/api/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", "x-ordo-requestor": "tester" },
      body: big,
    });
    assertProblem(rest, {
      status: 413,
      code: "ORDO_ERR_BODY_TOO_LARGE",
      detail: "request body is larger than the server's limit",
    });
    assertContestArgError(
      await postForm(small.url, "/start", { jobDesc: big, requestor: "tester" }),
      "request body is larger than the server's limit",
    );
    await assertServingAndNothingStored(small);
    // A descriptor under the limit is still accepted by the same server.
    const ok = await request<{ JobID: number }>(small.url, "/api/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", "x-ordo-requestor": "tester" },
      body: JSON.stringify(simpleDescriptor()),
    });
    assert.equal(ok.status, 201, ok.text);
  });
});
