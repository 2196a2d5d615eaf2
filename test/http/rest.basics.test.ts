import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request, simpleDescriptor, startTestServer, submit, type TestServer, waitForState } from "../helpers.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

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
