import assert from "node:assert/strict";
import { test } from "node:test";
import { request, simpleDescriptor, submit, useTestServer, waitForState } from "../helpers.js";

const srv = useTestServer();

test("version reports API version 5 and the server ID", async () => {
  const res = await request(srv.url, "/api/v1/version");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { Version: 5, ServerID: "test-server" });
});

test("a submitted echo job completes with a successful run report", async () => {
  const id = await submit(srv.url, simpleDescriptor({ targets: ["A", "B"] }));
  const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
  assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
  const run = status.JobReport.RunReports[0];
  assert.equal(run?.[0]?.ReporterName, "TargetSuccess");
  assert.equal(run?.[0]?.Success, true);
  const events = await request<{ events: { EventName: string; Payload: { Msg: string } }[] }>(
    srv.url,
    `/api/v1/jobs/${id}/events?name=EchoMessage`,
  );
  assert.deepEqual(events.body.events.map((e) => e.Payload.Msg).sort(), ["hello A", "hello B"]);
});

test("the OpenAPI document describes every REST v1 route, and the docs UI and health check answer", async () => {
  const doc = await request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
    srv.url,
    "/api/v1/openapi.json",
  );
  assert.equal(doc.status, 200);
  assert.match(doc.body.openapi, /^3\./);
  const routes = Object.entries(doc.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  for (const route of [
    "post /api/v1/jobs",
    "get /api/v1/jobs",
    "get /api/v1/jobs/{id}",
    "post /api/v1/jobs/{id}/stop",
    "post /api/v1/jobs/{id}/retry",
    "get /api/v1/jobs/{id}/events",
    "get /api/v1/jobs/{id}/report",
    "get /api/v1/version",
  ])
    assert.ok(routes.includes(route), `${route} is documented (have: ${routes.join(", ")})`);
  assert.ok(!routes.some((r) => r.endsWith(" /start")), "the ConTest verbs stay out of the REST document");
  const ui = await request(srv.url, "/docs/");
  assert.equal(ui.status, 200);
  assert.match(ui.text, /swagger/i);
  assert.deepEqual((await request(srv.url, "/healthz")).body, { status: "ok" });
});
