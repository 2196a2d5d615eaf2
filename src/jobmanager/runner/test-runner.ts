/**
 * One attempt of one test: targets acquired and locked, each target walked through the steps on its own
 * (TargetIn, the step, then TargetOut or TargetErr; a failed target leaves the pipeline), then the cleanup
 * steps for every target under "<TestName> [CLEANUP]", then the targets released.
 */
import type { Target } from "../../api/types.js";
import type { PluginRegistry } from "../../plugins/registry.js";
import type { StepDescriptor } from "../../plugins/types.js";
import type { ResolvedTest } from "../descriptor.js";
import { Template } from "../template.js";
import { acquireTargets, type TargetDeps, type TestCoordinates } from "./targets.js";

export interface TargetOutcome {
  target: Target;
  error: string | null;
}

export const CLEANUP_SUFFIX = " [CLEANUP]";

export class FrameworkError extends Error {}

/** Variables emitted by steps, per target: label -> name -> value. */
type Variables = Map<string, Map<string, unknown>>;

async function runStep(
  step: StepDescriptor,
  target: Target,
  vars: Variables,
  registry: PluginRegistry,
  deps: TargetDeps,
  at: TestCoordinates,
): Promise<string | null> {
  const plugin = registry.step(step.name);
  if (!plugin) throw new FrameworkError(`step plugin "${step.name}" is not registered`);
  const where = { ...at, stepLabel: step.label, target };
  await deps.sink.append({ entityType: "step", operation: "update", eventName: "TargetIn", ...where });
  const scope = {
    target,
    variable: (label: string, name: string) => vars.get(label)?.get(name),
  };
  try {
    await plugin.run({
      ...at,
      cwd: deps.cwd,
      label: step.label,
      target,
      params: step.parameters,
      signal: deps.signal,
      expand: (text) => new Template(text).render(scope),
      emit: async (eventName, payload) => {
        if (!plugin.events.includes(eventName))
          throw new FrameworkError(`step ${step.name} emitted undeclared event ${eventName}`);
        await deps.sink.append({ entityType: "step", operation: "create", eventName, ...where, payload });
      },
      setVariable: async (name, value) => {
        let byName = vars.get(step.label);
        if (!byName) {
          byName = new Map();
          vars.set(step.label, byName);
        }
        byName.set(name, value);
        await deps.sink.append({
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
    if (err instanceof FrameworkError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    await deps.sink.append({
      entityType: "step",
      operation: "update",
      eventName: "TargetErr",
      ...where,
      payload: { Error: message },
    });
    return message;
  }
  await deps.sink.append({ entityType: "step", operation: "update", eventName: "TargetOut", ...where });
  return null;
}

async function walk(
  steps: StepDescriptor[],
  target: Target,
  registry: PluginRegistry,
  deps: TargetDeps,
  at: TestCoordinates,
): Promise<TargetOutcome> {
  const vars: Variables = new Map();
  for (const step of steps) {
    const error = await runStep(step, target, vars, registry, deps, at);
    if (error !== null) return { target, error };
  }
  return { target, error: null };
}

/** Runs one attempt; resolves with each target's outcome. Throws on framework errors and interruptions. */
export async function runTestAttempt(
  test: ResolvedTest,
  registry: PluginRegistry,
  deps: TargetDeps,
  at: TestCoordinates,
): Promise<TargetOutcome[]> {
  const tm = registry.targetManager(test.targetManager);
  if (!tm) throw new FrameworkError(`target manager "${test.targetManager}" is not registered`);
  await deps.sink.append({ entityType: "test", operation: "create", eventName: "TestAttemptStarted", ...at });
  const lease = await acquireTargets(test, tm, deps, at);
  let outcomes: TargetOutcome[];
  try {
    outcomes = await Promise.all(lease.targets.map((t) => walk(test.steps, t, registry, deps, at)));
    if (test.cleanupSteps.length > 0) {
      const cleanupAt = { ...at, testName: at.testName + CLEANUP_SUFFIX };
      await Promise.all(lease.targets.map((t) => walk(test.cleanupSteps, t, registry, deps, cleanupAt)));
    }
  } finally {
    await lease.release();
  }
  const failed = outcomes.filter((o) => o.error !== null).length;
  await deps.sink.append({
    entityType: "test",
    operation: "update",
    eventName: "TestAttemptEnded",
    ...at,
    payload: { Targets: outcomes.length, Failed: failed },
  });
  return outcomes;
}
