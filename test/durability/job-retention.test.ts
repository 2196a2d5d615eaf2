/** Job retention runs online: old finished jobs go (with their state rows), running and queued jobs stay. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { request, simpleDescriptor, submit, useTestServer, waitForState } from "../helpers.js";

const KEEP = 2;
const srv = useTestServer({ jobRetentionCount: KEEP, eventRetentionInterval: "50ms" });

const sleeper = (name: string) =>
  simpleDescriptor({
    name,
    targets: [name],
    steps: [{ name: "sleep", label: "nap", parameters: { duration: ["30s"] } }],
  });

test("only the newest finished jobs are kept; a running job and its retry link survive", async () => {
  const running = await submit(srv.url, sleeper("long-runner"));
  const finished: number[] = [];
  for (let i = 0; i < 5; i++) {
    const id = await submit(srv.url, simpleDescriptor({ name: `short${i}`, targets: [`short${i}`] }));
    await waitForState(srv.url, id, ["JobStateCompleted"]);
    finished.push(id);
  }
  const retried = await request<{ NewJobID: number }>(srv.url, `/api/v1/jobs/${finished[4]}/retry`, {
    method: "POST",
    headers: { "x-ordo-requestor": "tester" },
  });
  assert.equal(retried.status, 201, retried.text);
  await waitForState(srv.url, retried.body.NewJobID, ["JobStateCompleted"]);

  // The newest KEEP finished jobs are the retry and finished[4]; everything finished before them goes.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const statuses = await Promise.all(finished.map((id) => request(srv.url, `/api/v1/jobs/${id}`)));
    const gone = statuses.map((s) => s.status === 404);
    if (gone.slice(0, 4).every(Boolean) || Date.now() > deadline) {
      assert.deepEqual(gone, [true, true, true, true, false], "the four oldest finished jobs are removed");
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const kept = await request<{ State: string; RetryOf: number | null }>(
    srv.url,
    `/api/v1/jobs/${retried.body.NewJobID}`,
  );
  assert.equal(kept.status, 200);
  assert.equal(kept.body.RetryOf, finished[4]);

  const live = await request<{ State: string }>(srv.url, `/api/v1/jobs/${running}`);
  assert.equal(live.status, 200, "a running job is never removed");
  assert.equal(live.body.State, "JobStateStarted");
  const listed = await request<{ jobs: { JobID: number }[] }>(srv.url, "/api/v1/jobs");
  assert.deepEqual(
    listed.body.jobs.map((j) => j.JobID).sort((a, b) => a - b),
    [running, finished[4], retried.body.NewJobID].sort((a, b) => (a as number) - (b as number)),
  );
  // Removed jobs leave no state rows behind.
  const leftovers = srv.server.storage.db
    .prepare("SELECT count(*) FROM target_steps WHERE job_id IN (?, ?, ?, ?)")
    .pluck()
    .get(...finished.slice(0, 4));
  assert.equal(leftovers, 0);
  await request(srv.url, `/api/v1/jobs/${running}/stop`, { method: "POST", headers: { "x-ordo-requestor": "tester" } });
});
