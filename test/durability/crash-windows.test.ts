/**
 * Crash windows around reporting: a process killed after a run ended but before its reports were written, or
 * after the final report but before JobStateCompleted, leaves exactly one report per reporter after recovery.
 * The crash is reproduced by putting the database in the state such a kill leaves (real SQLite file, real server).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import type { JobReport } from "../../src/api/types.js";
import { request, simpleDescriptor, startTestServer, submit, tempDir, waitForState } from "../helpers.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function finishedJob(): Promise<{ dataDir: string; id: number }> {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const srv = await startTestServer({ dataDir, serverId: "windows" });
  const id = await submit(srv.url, simpleDescriptor({ runs: 2, targets: ["W1"] }));
  await waitForState(srv.url, id, ["JobStateCompleted"]);
  await srv.close();
  return { dataDir, id };
}

/** Rewrites the database as a kill at that moment would have left it: the job still marked running. */
function crashState(dataDir: string, id: number, sql: string): void {
  const db = new Database(`${dataDir}/ordo.db`);
  db.prepare(sql).run(id);
  db.prepare("UPDATE jobs SET state = 'JobStateStarted', end_time = NULL WHERE id = ?").run(id);
  db.close();
}

async function reportsAfterRecovery(dataDir: string, id: number): Promise<JobReport> {
  const srv = await startTestServer({ dataDir, serverId: "windows" });
  try {
    const status = await waitForState(srv.url, id, ["JobStateCompleted", "JobStateFailed"]);
    assert.equal(status.State, "JobStateCompleted", status.StateErrMsg);
    return (await request<JobReport>(srv.url, `/api/v1/jobs/${id}/report`)).body;
  } finally {
    await srv.close();
  }
}

const names = (r: JobReport) => ({
  runs: r.RunReports.map((run) => run.map((x) => `${x.RunID}:${x.ReporterName}`)),
  final: r.FinalReports.map((x) => x.ReporterName),
});

test("a crash after the last run ended but before its reports: the run is reported once, then the job completes", async () => {
  const { dataDir, id } = await finishedJob();
  crashState(dataDir, id, "DELETE FROM reports WHERE job_id = ? AND run_id IN (0, 2)");
  const report = await reportsAfterRecovery(dataDir, id);
  assert.deepEqual(names(report), { runs: [["1:TargetSuccess"], ["2:TargetSuccess"]], final: ["noop"] });
  assert.equal(report.RunReports[1]?.[0]?.Success, true);
});

test("a crash after the final report but before JobStateCompleted: no report is written twice", async () => {
  const { dataDir, id } = await finishedJob();
  crashState(dataDir, id, "SELECT ? AS untouched");
  const report = await reportsAfterRecovery(dataDir, id);
  assert.deepEqual(names(report), { runs: [["1:TargetSuccess"], ["2:TargetSuccess"]], final: ["noop"] });
});
