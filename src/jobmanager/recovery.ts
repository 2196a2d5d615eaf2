/**
 * Start-up recovery of the jobs a previous process of this server left behind:
 * - paused jobs continue from their stored resume state (a state that cannot be used fails the job, saying why);
 * - jobs left running by a crash follow the crash policy: "rerun" (default) re-runs the interrupted test attempt
 *   from its start, recorded in the JobStateStarted event; "fail" marks them failed, as ConTest does with zombies;
 * - jobs left cancelling end cancelled; queued jobs wait in the queue again, in submission order.
 */
import type { JobRecord, Storage } from "../storage/storage.js";
import type { ResolvedJob } from "./descriptor.js";
import { checkResumeState, RESUME_STATE_VERSION, type ResumeState } from "./runner/resume-state.js";

export type CrashPolicy = "rerun" | "fail";

export type RecoveryAction =
  | { kind: "resume"; job: JobRecord; resolved: ResolvedJob; resume?: ResumeState; note: Record<string, unknown> }
  | { kind: "queue"; job: JobRecord; resolved: ResolvedJob }
  | { kind: "end"; job: JobRecord; eventName: "JobStateFailed" | "JobStateCancelled"; message: string };

/** Where a job interrupted by a crash starts again: the attempt it was in, from its start. */
export async function crashResumePoint(
  storage: Storage,
  job: JobRecord,
  resolved: ResolvedJob,
): Promise<ResumeState | undefined> {
  const runs = await storage.getRuns(job.id);
  const lastRun = runs.at(-1);
  if (!lastRun) return undefined; // nothing ran yet: start afresh
  const base = { version: RESUME_STATE_VERSION, runId: lastRun.runId, testIndex: 0, attempt: 0 };
  if (lastRun.endTime !== null) {
    // The run ended; if its reports were not all written, report it (reporters that already did are skipped).
    const reported = (await storage.getReports(job.id)).filter((r) => r.RunID === lastRun.runId).length;
    if (reported < resolved.runReporters.length) return { ...base, testIndex: resolved.tests.length, phase: "attempt" };
    return { ...base, runId: lastRun.runId + 1, phase: "run-interval", waitUntil: Date.now() };
  }
  const last = (await storage.getTestAttempts(job.id)).filter((a) => a.runId === lastRun.runId).at(-1);
  if (!last) return { ...base, phase: "attempt" };
  const testIndex = resolved.tests.findIndex((t) => t.testName === last.testName);
  if (testIndex < 0) return { ...base, phase: "attempt" };
  if (last.endTime === null) return { ...base, testIndex, attempt: last.attempt, phase: "attempt" };
  const test = resolved.tests[testIndex];
  if ((last.failed ?? 0) > 0 && test && last.attempt < test.numRetries)
    return { ...base, testIndex, attempt: last.attempt + 1, phase: "attempt" };
  return { ...base, testIndex: testIndex + 1, phase: "attempt" };
}

export async function planRecovery(
  storage: Storage,
  serverId: string,
  policy: CrashPolicy,
  resumePaused: boolean,
): Promise<RecoveryAction[]> {
  const left = await storage.jobsInStates(serverId, [
    "JobStatePaused",
    "JobStateStarted",
    "JobStateCancelling",
    "JobStateUnknown",
  ]);
  const actions: RecoveryAction[] = [];
  for (const job of left) {
    let resolved: ResolvedJob;
    try {
      resolved = JSON.parse(job.descriptorResolved) as ResolvedJob;
    } catch {
      actions.push({ kind: "end", job, eventName: "JobStateFailed", message: "stored descriptor is unreadable" });
      continue;
    }
    switch (job.state) {
      case "JobStateUnknown":
        actions.push({ kind: "queue", job, resolved });
        break;
      case "JobStateCancelling":
        actions.push({
          kind: "end",
          job,
          eventName: "JobStateCancelled",
          message: "the server stopped while the job was cancelling",
        });
        break;
      case "JobStatePaused": {
        if (!resumePaused) break; // stays paused until a server with --resume-jobs starts
        let state: unknown;
        try {
          state = job.resumeState === null ? undefined : JSON.parse(job.resumeState);
        } catch {
          state = undefined;
        }
        const problem = checkResumeState(state, resolved);
        if (problem)
          actions.push({ kind: "end", job, eventName: "JobStateFailed", message: `cannot resume: ${problem}` });
        else
          actions.push({ kind: "resume", job, resolved, resume: state as ResumeState, note: { Recovered: "pause" } });
        break;
      }
      default: {
        if (policy === "fail") {
          actions.push({
            kind: "end",
            job,
            eventName: "JobStateFailed",
            message: "the server stopped while the job was running (on-crash policy: fail)",
          });
          break;
        }
        const resume = await crashResumePoint(storage, job, resolved);
        actions.push({
          kind: "resume",
          job,
          resolved,
          ...(resume ? { resume } : {}),
          note: { Recovered: "crash", Policy: "rerun" },
        });
      }
    }
  }
  return actions;
}
