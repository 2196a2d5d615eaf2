/**
 * What a paused job needs to continue where it stopped: the run, test and attempt, the targets it holds, and
 * each target's position in the steps (with a pausable step's own state). Stored in the job's row with the
 * JobStatePaused event, in one commit.
 */
import type { Target } from "../../api/types.js";
import type { ResolvedJob } from "../descriptor.js";

export const RESUME_STATE_VERSION = 1;

/** Where one target is within an attempt. */
export interface TargetPosition {
  /** "steps" = the test's steps, "cleanup" = its cleanup steps. */
  phase: "steps" | "cleanup";
  /** The step to run next (or the one it is inside when `inStep`). */
  index: number;
  /** Paused inside a pausable step: TargetIn was recorded, the step resumes from `stepState`. */
  inStep: boolean;
  stepState?: unknown;
  /** Variables emitted so far for this target: label -> name -> value. */
  vars: Record<string, Record<string, unknown>>;
  /** The target's outcome of the test's steps, once known (null = passed). */
  error?: string | null;
}

export interface AttemptState {
  targets: Target[];
  positions: Record<string, TargetPosition>;
}

export interface ResumeState {
  version: number;
  runId: number;
  testIndex: number;
  attempt: number;
  /** "attempt" = inside the attempt; "run-interval" = waiting to start run `runId`; "retry-interval" = waiting to start `attempt`. */
  phase: "attempt" | "run-interval" | "retry-interval";
  /** For the interval phases: when the wait ends (ms since epoch). */
  waitUntil?: number;
  /** For "attempt": the targets held and where each one is; absent = the attempt starts afresh. */
  attemptState?: AttemptState;
  /** For "attempt" without attemptState: TestAttemptStarted is already recorded (paused while acquiring). */
  attemptStarted?: boolean;
}

/** Checks a stored resume state against the job it belongs to; returns a reason when it cannot be used. */
export function checkResumeState(state: unknown, job: ResolvedJob): string | undefined {
  if (typeof state !== "object" || state === null) return "resume state is missing";
  const s = state as Partial<ResumeState>;
  if (s.version !== RESUME_STATE_VERSION)
    return `resume state version ${String(s.version)} is not ${RESUME_STATE_VERSION}`;
  if (!Number.isInteger(s.runId) || (s.runId as number) < 1) return "resume state has no run";
  if (job.runs !== 0 && (s.runId as number) > job.runs + 1)
    return `run ${s.runId} is beyond the job's ${job.runs} runs`;
  // testIndex = number of tests means "every test of the run is done": the run ends and is reported.
  if (s.testIndex === job.tests.length && s.phase === "attempt") return undefined;
  const test = job.tests[s.testIndex as number];
  if (!test) return `test index ${String(s.testIndex)} does not exist`;
  if (!Number.isInteger(s.attempt) || (s.attempt as number) < 0 || (s.attempt as number) > test.numRetries)
    return `attempt ${String(s.attempt)} is not allowed for test "${test.testName}"`;
  if (s.phase !== "attempt" && s.phase !== "run-interval" && s.phase !== "retry-interval")
    return "resume state has no phase";
  for (const [id, p] of Object.entries(s.attemptState?.positions ?? {})) {
    const steps = p.phase === "cleanup" ? test.cleanupSteps : test.steps;
    if (!Number.isInteger(p.index) || p.index < 0 || p.index > steps.length)
      return `target ${id} has an invalid step position`;
  }
  return undefined;
}
