/**
 * One attempt of one test: targets acquired and locked, each target walked through the steps on its own
 * (TargetIn, the step, then TargetOut or TargetErr; a failed target leaves the pipeline), then the cleanup
 * steps for every target under "<TestName> [CLEANUP]", then the targets released.
 * A pause stops each target at a step boundary (or inside a pausable step) and keeps the targets locked;
 * the attempt then throws AttemptPaused with every target's position.
 */
import type { Target } from "../../api/types.js";
import type { PluginRegistry } from "../../plugins/registry.js";
import { type StepDescriptor, StepPaused } from "../../plugins/types.js";
import type { ResolvedTest } from "../descriptor.js";
import { Template } from "../template.js";
import type { AttemptState, TargetPosition } from "./resume-state.js";
import { acquireTargets, relockTargets, type TargetDeps, type TargetLease, type TestCoordinates } from "./targets.js";

export interface TargetOutcome {
  target: Target;
  error: string | null;
}

export const CLEANUP_SUFFIX = " [CLEANUP]";

export class FrameworkError extends Error {}

/** The attempt stopped for a pause; `state` says where every target is (absent: start the attempt afresh). */
export class AttemptPaused extends Error {
  readonly state: AttemptState | undefined;
  /** TestAttemptStarted is already recorded (the pause came while targets were being acquired). */
  readonly started: boolean;
  constructor(state: AttemptState | undefined, started = true) {
    super("attempt paused");
    this.started = started;
    this.state = state;
  }
}

export interface AttemptDeps extends TargetDeps {
  registry: PluginRegistry;
  pauseSignal: AbortSignal;
  /** Aborted by a pause or a cancel. */
  haltSignal: AbortSignal;
}

type StepResult = { kind: "out" } | { kind: "err"; error: string } | { kind: "paused"; state: unknown };

async function runStep(
  step: StepDescriptor,
  target: Target,
  pos: TargetPosition,
  deps: AttemptDeps,
  at: TestCoordinates,
): Promise<StepResult> {
  const plugin = deps.registry.step(step.name);
  if (!plugin) throw new FrameworkError(`step plugin "${step.name}" is not registered`);
  const where = { ...at, stepLabel: step.label, target };
  if (!pos.inStep) deps.sink.emit({ entityType: "step", operation: "update", eventName: "TargetIn", ...where });
  const scope = { target, variable: (label: string, name: string) => pos.vars[label]?.[name] };
  try {
    await plugin.run({
      ...at,
      cwd: deps.cwd,
      label: step.label,
      target,
      params: step.parameters,
      signal: deps.signal,
      pauseSignal: deps.pauseSignal,
      resumeState: pos.inStep ? pos.stepState : undefined,
      expand: (text) => (text.includes("{{") ? new Template(text).render(scope) : text),
      emit: async (eventName, payload) => {
        if (!plugin.events.includes(eventName))
          throw new FrameworkError(`step ${step.name} emitted undeclared event ${eventName}`);
        deps.sink.emit({ entityType: "step", operation: "create", eventName, ...where, payload });
      },
      setVariable: async (name, value) => {
        pos.vars[step.label] = { ...pos.vars[step.label], [name]: value };
        deps.sink.emit({
          entityType: "step",
          operation: "create",
          eventName: "VariableEmitted",
          ...where,
          payload: { Name: name, Value: value },
        });
      },
    });
  } catch (err) {
    if (deps.signal.aborted) throw deps.signal.reason;
    if (err instanceof StepPaused) return { kind: "paused", state: err.state };
    if (err instanceof FrameworkError) throw err;
    const error = err instanceof Error ? err.message : String(err);
    deps.sink.emit({
      entityType: "step",
      operation: "update",
      eventName: "TargetErr",
      ...where,
      payload: { Error: error },
    });
    return { kind: "err", error };
  }
  deps.sink.emit({ entityType: "step", operation: "update", eventName: "TargetOut", ...where });
  return { kind: "out" };
}

/** Walks one target from its position to the end of `steps`; updates `pos` as it goes. Returns false when paused. */
async function walk(
  steps: StepDescriptor[],
  target: Target,
  pos: TargetPosition,
  deps: AttemptDeps,
  at: TestCoordinates,
): Promise<boolean> {
  while (pos.index < steps.length) {
    if (deps.pauseSignal.aborted && !pos.inStep) return false;
    const result = await runStep(steps[pos.index] as StepDescriptor, target, pos, deps, at);
    if (result.kind === "paused") {
      Object.assign(pos, { inStep: true, stepState: result.state });
      return false;
    }
    Object.assign(pos, { index: pos.index + 1, inStep: false, stepState: undefined });
    if (result.kind === "err") {
      if (pos.phase === "steps") pos.error = result.error;
      pos.index = steps.length; // a failed target leaves the pipeline
    }
  }
  if (pos.phase === "steps" && pos.error === undefined) pos.error = null;
  return true;
}

async function takeTargets(
  test: ResolvedTest,
  deps: AttemptDeps,
  at: TestCoordinates,
  resume: AttemptState | undefined,
  started: boolean,
): Promise<TargetLease> {
  const tm = deps.registry.targetManager(test.targetManager);
  if (!tm) throw new FrameworkError(`target manager "${test.targetManager}" is not registered`);
  // Waiting for targets is also cut short by a pause: the attempt then starts afresh (or re-locks) on resume.
  const either = { ...deps, signal: deps.haltSignal };
  try {
    if (resume) return await relockTargets(resume.targets, test, tm, either, at);
    if (!started) deps.sink.emit({ entityType: "test", operation: "create", eventName: "TestAttemptStarted", ...at });
    return await acquireTargets(test, tm, either, at);
  } catch (err) {
    if (!deps.signal.aborted && deps.pauseSignal.aborted) throw new AttemptPaused(resume);
    throw err;
  }
}

/** Like Promise.all, but waits for every walker to stop before rethrowing the first failure. */
async function allWalkers(walkers: Promise<boolean>[]): Promise<boolean[]> {
  const settled = await Promise.allSettled(walkers);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<boolean>).value);
}

/** Runs (or resumes) one attempt; resolves with each target's outcome of the test's steps. */
export async function runTestAttempt(
  test: ResolvedTest,
  deps: AttemptDeps,
  at: TestCoordinates,
  resume?: AttemptState,
  started = false,
): Promise<TargetOutcome[]> {
  const lease = await takeTargets(test, deps, at, resume, started);
  const positions: Record<string, TargetPosition> = {};
  for (const t of lease.targets)
    positions[t.ID] = resume?.positions[t.ID] ?? { phase: "steps", index: 0, inStep: false, vars: {} };
  const cleanupAt = { ...at, testName: at.testName + CLEANUP_SUFFIX };
  const paused = () => new AttemptPaused({ targets: lease.targets, positions });
  let done = false;
  try {
    const mains = await allWalkers(
      lease.targets.map((t) => {
        const pos = positions[t.ID] as TargetPosition;
        return pos.phase === "steps" ? walk(test.steps, t, pos, deps, at) : Promise.resolve(true);
      }),
    );
    if (mains.includes(false)) throw paused();
    for (const pos of Object.values(positions)) {
      if (pos.phase === "steps")
        Object.assign(pos, { phase: "cleanup", index: 0, inStep: false, stepState: undefined });
    }
    const cleanups = await allWalkers(
      lease.targets.map((t) => walk(test.cleanupSteps, t, positions[t.ID] as TargetPosition, deps, cleanupAt)),
    );
    if (cleanups.includes(false)) throw paused();
    done = true;
  } finally {
    // A paused attempt keeps its targets locked; anything else (done, failed, cancelled) releases them.
    if (done || !deps.pauseSignal.aborted || deps.signal.aborted) await lease.release();
    else lease.suspend();
  }
  const outcomes = lease.targets.map((target) => ({ target, error: positions[target.ID]?.error ?? null }));
  const failed = outcomes.filter((o) => o.error !== null).length;
  deps.sink.emit({
    entityType: "test",
    operation: "update",
    eventName: "TestAttemptEnded",
    ...at,
    payload: { Targets: outcomes.length, Failed: failed },
  });
  return outcomes;
}
