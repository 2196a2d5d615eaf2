/**
 * A runner that saw a whole run judges it on what it saw; a recovered one reads the run back from the state rows.
 * Both must give the reporters the same outcome: here a two-test job with failing targets and a retried attempt
 * is run by a real server, and its stored run reports are compared with what the reporter makes of the outcome
 * read back from the database (the recovery path).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { ResolvedJob } from "../../src/jobmanager/descriptor.js";
import { runOutcome } from "../../src/jobmanager/runner/outcomes.js";
import { TargetSuccess } from "../../src/plugins/reporters/target-success.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { startTestServer, submit, tempDir, waitForState } from "../helpers.js";

/** Passes for every target but the ones listed (their exit status is 1). */
const failFor = (label: string, ids: string[]) => ({
  name: "cmd",
  label,
  parameters: {
    executable: ["sh"],
    args: ["-c", ids.length ? `case "$0" in ${ids.join("|")}) exit 1;; esac` : "exit 0", "{{ .ID }}"],
  },
});

const test_ = (name: string, targets: string[], steps: unknown[], retries = 0) => ({
  TargetManagerName: "TargetList",
  TargetManagerAcquireParameters: { Targets: targets.map((ID) => ({ ID })) },
  TestFetcherName: "literal",
  TestFetcherFetchParameters: { TestName: name, Steps: steps },
  RetryParameters: { NumRetries: retries, RetryInterval: "10ms" },
});

test("the run reports of a fresh run equal the judgement of the run read back from storage", async () => {
  const dataDir = tempDir();
  const srv = await startTestServer({ dataDir });
  let id: number;
  try {
    id = await submit(srv.url, {
      JobName: "judged",
      Version: "1.0",
      Runs: 2,
      TestDescriptors: [
        // A: J2 fails its second step in every attempt (one retry); J1 and J3 pass.
        test_("A", ["J1", "J2", "J3"], [failFor("first", []), failFor("second", ["J2"])], 1),
        // B: K1 fails at once and leaves the pipeline; K2 passes both steps.
        test_("B", ["K1", "K2"], [failFor("only", ["K1"]), failFor("after", [])]),
      ],
      Reporting: {
        RunReporters: [
          { Name: "TargetSuccess", Parameters: { SuccessExpression: ">=50%" } },
          { Name: "TargetSuccess", Parameters: { SuccessExpression: "=100%" } },
        ],
      },
    });
    const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"], 20_000);
    assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
  } finally {
    await srv.close();
  }

  const storage = new SqliteStorage({ path: join(dataDir, "ordo.db") });
  try {
    const job = await storage.getJob(id);
    assert.ok(job);
    const resolved = JSON.parse(job.descriptorResolved) as ResolvedJob;
    const reports = await storage.getReports(id);
    for (const runId of [1, 2]) {
      const stored = reports.filter((r) => r.RunID === runId);
      assert.equal(stored.length, 2, `run ${runId} has both run reports`);
      const outcome = await runOutcome(storage, id, runId, resolved);
      assert.deepEqual(
        outcome.tests.map((t) => [t.testName, t.attempt, t.targets.filter((o) => o.error === null).length]),
        [
          ["A", 1, 2],
          ["B", 0, 1],
        ],
      );
      resolved.runReporters.forEach((r, i) => {
        const judged = TargetSuccess.runReport(r.parameters, outcome);
        assert.equal(stored[i]?.Success, judged.success, `run ${runId}, reporter ${i}`);
        assert.deepEqual(stored[i]?.Data, judged.data, `run ${runId}, reporter ${i}`);
      });
    }
  } finally {
    await storage.close();
  }
});
