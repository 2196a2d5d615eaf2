/**
 * Target acquisition for one test attempt: ask the target manager, then lock every target for this job
 * (waiting while another job holds one), all within the acquire timeout. Locks are refreshed while held
 * and released exactly once.
 */
import assert from "node:assert/strict";
import pTimeout from "p-timeout";
import type { JobId, Target } from "../../api/types.js";
import { sleep } from "../../plugins/params.js";
import type { PluginContext, TargetManager } from "../../plugins/types.js";
import type { Storage } from "../../storage/storage.js";
import type { ResolvedTest } from "../descriptor.js";
import type { EventSink } from "./event-sink.js";

const LOCK_RETRY_MS = 50;

export interface TestCoordinates {
  jobId: JobId;
  runId: number;
  testName: string;
  testAttempt: number;
}

export interface TargetDeps extends PluginContext {
  storage: Storage;
  sink: EventSink;
  signal: AbortSignal;
  acquireTimeoutMs: number;
  releaseTimeoutMs: number;
  lockTtlMs: number;
}

/** Acquisition failed: a framework error, which fails the job. */
export class TargetAcquireError extends Error {}

export class TargetLease {
  private released = false;
  private readonly refresher: NodeJS.Timeout;
  readonly targets: Target[];
  private readonly deps: TargetDeps;
  private readonly at: TestCoordinates;
  private readonly tm: TargetManager;
  private readonly test: ResolvedTest;

  constructor(targets: Target[], deps: TargetDeps, at: TestCoordinates, tm: TargetManager, test: ResolvedTest) {
    this.targets = targets;
    this.deps = deps;
    this.at = at;
    this.tm = tm;
    this.test = test;
    const ids = targets.map((t) => t.ID);
    this.refresher = setInterval(
      () => {
        deps.storage.refreshLocks(at.jobId, ids, deps.lockTtlMs).catch(() => {});
      },
      Math.max(10, deps.lockTtlMs / 3),
    );
    this.refresher.unref();
  }

  /** Pausing: stops refreshing the locks without releasing them; the resumed job locks the same targets again. */
  suspend(): void {
    assert.equal(this.released, false, "a released lease cannot be suspended");
    this.released = true;
    clearInterval(this.refresher);
  }

  /** Releases through the target manager (bounded by the release timeout), unlocks, and records TargetReleased. */
  async release(): Promise<void> {
    assert.equal(this.released, false, "targets are released exactly once");
    this.released = true;
    clearInterval(this.refresher);
    let error: unknown;
    if (this.tm.release) {
      await pTimeout(this.tm.release(this.targets, this.test.releaseParameters, this.deps), {
        milliseconds: this.deps.releaseTimeoutMs,
        message: `target release timed out after ${this.deps.releaseTimeoutMs}ms`,
      }).catch((err: unknown) => {
        error = err;
      });
    }
    this.deps.sink.emit(
      ...this.targets.map((target) => ({
        entityType: "target" as const,
        operation: "update" as const,
        eventName: "TargetReleased",
        ...this.at,
        target,
      })),
    );
    // Unlocked after TargetReleased is written, so another job's TargetAcquired always follows it in the log.
    await this.deps.storage.unlockTargets(
      this.at.jobId,
      this.targets.map((t) => t.ID),
    );
    if (error) throw new TargetAcquireError(`release failed: ${(error as Error).message}`);
  }
}

/** Locks every target for the job, waiting while another job holds one, until the deadline. */
async function lockAll(
  targets: Target[],
  deadline: number,
  deps: TargetDeps,
  at: TestCoordinates,
  fail: (message: string) => Promise<never>,
): Promise<void> {
  const ids = targets.map((t) => t.ID);
  for (;;) {
    const busy = await deps.storage.lockTargets(at.jobId, ids, deps.lockTtlMs);
    if (busy.length === 0) return;
    if (Date.now() >= deadline)
      await fail(`targets ${busy.join(", ")} stayed locked by another job for ${deps.acquireTimeoutMs}ms`);
    await sleep(Math.min(LOCK_RETRY_MS, Math.max(1, deadline - Date.now())), deps.signal);
  }
}

function acquireFailure(deps: TargetDeps, at: TestCoordinates) {
  return async (message: string): Promise<never> => {
    await deps.sink.append({
      entityType: "target",
      operation: "update",
      eventName: "TargetAcquireErr",
      ...at,
      payload: { Error: message },
    });
    throw new TargetAcquireError(message);
  };
}

/** A resumed attempt takes back the targets it held when it paused (no new TargetAcquired events). */
export async function relockTargets(
  targets: Target[],
  test: ResolvedTest,
  tm: TargetManager,
  deps: TargetDeps,
  at: TestCoordinates,
): Promise<TargetLease> {
  await lockAll(targets, Date.now() + deps.acquireTimeoutMs, deps, at, acquireFailure(deps, at));
  return new TargetLease(targets, deps, at, tm, test);
}

export async function acquireTargets(
  test: ResolvedTest,
  tm: TargetManager,
  deps: TargetDeps,
  at: TestCoordinates,
): Promise<TargetLease> {
  const deadline = Date.now() + deps.acquireTimeoutMs;
  const fail = acquireFailure(deps, at);

  let targets: Target[];
  try {
    const answer = tm.acquire(test.acquireParameters, { ...deps, jobId: at.jobId });
    targets = Array.isArray(answer)
      ? answer
      : await pTimeout(answer, {
          milliseconds: deps.acquireTimeoutMs,
          message: `target manager ${tm.name} did not return targets within ${deps.acquireTimeoutMs}ms`,
          signal: deps.signal,
        });
  } catch (err) {
    if (deps.signal.aborted) throw deps.signal.reason;
    return fail(`acquire: ${(err as Error).message}`);
  }
  await lockAll(targets, deadline, deps, at, fail);
  deps.sink.emit(
    ...targets.map((target) => ({
      entityType: "target" as const,
      operation: "update" as const,
      eventName: "TargetAcquired",
      ...at,
      target,
    })),
  );
  return new TargetLease(targets, deps, at, tm, test);
}
