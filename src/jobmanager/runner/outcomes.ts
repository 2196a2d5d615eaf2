/**
 * What the reporters judge, read back from the state rows rather than kept in memory, so a job resumed after a
 * pause or a crash reports on its whole history.
 */
import type { JobId } from "../../api/types.js";
import type { RunOutcome } from "../../plugins/types.js";
import type { Storage } from "../../storage/storage.js";
import type { ResolvedJob } from "../descriptor.js";

/** Each test's last attempt in the run, and each of its targets' outcome (the first step error, if any). */
export async function runOutcome(storage: Storage, jobId: JobId, runId: number, job: ResolvedJob): Promise<RunOutcome> {
  const [attempts, steps] = await Promise.all([storage.getTestAttempts(jobId), storage.getTargetSteps(jobId)]);
  const outcome: RunOutcome = { jobId, runId, tests: [] };
  for (const test of job.tests) {
    const last = attempts.filter((a) => a.runId === runId && a.testName === test.testName).at(-1);
    if (!last) continue;
    const rows = steps.filter((s) => s.runId === runId && s.testName === test.testName && s.attempt === last.attempt);
    const byTarget = new Map<string, { target: (typeof rows)[number]["target"]; error: string | null }>();
    for (const r of rows) {
      const seen = byTarget.get(r.target.ID);
      if (!seen) byTarget.set(r.target.ID, { target: r.target, error: r.error });
      else if (seen.error === null && r.error !== null) seen.error = r.error;
    }
    outcome.tests.push({ testName: test.testName, attempt: last.attempt, targets: [...byTarget.values()] });
  }
  return outcome;
}
