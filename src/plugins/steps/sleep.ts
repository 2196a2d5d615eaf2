/**
 * sleep: waits `duration` per target. Pausable: on pause it saves its deadline and, on resume, waits only
 * until that deadline. A stop interrupts the wait at once.
 */
import { parseDuration } from "../../util/duration.js";
import { checkDuration, oneString, sleep as wait } from "../params.js";
import { type Step, StepPaused } from "../types.js";

interface SleepState {
  deadline: number;
}

function isSleepState(v: unknown): v is SleepState {
  return typeof v === "object" && v !== null && typeof (v as SleepState).deadline === "number";
}

export const sleep: Step = {
  kind: "step",
  name: "sleep",
  events: [],
  pausable: true,
  validate(params, path) {
    checkDuration(params, "duration", path, true);
  },
  async run(ctx) {
    let deadline: number;
    if (isSleepState(ctx.resumeState)) deadline = ctx.resumeState.deadline;
    else {
      const text = ctx.expand(oneString(ctx.params, "duration", "parameters", true) as string);
      const ms = parseDuration(text);
      if (ms === undefined || ms < 0) throw new Error(`invalid duration "${text}"`);
      deadline = Date.now() + ms;
    }
    const either = AbortSignal.any([ctx.signal, ctx.pauseSignal]);
    try {
      await wait(Math.max(0, deadline - Date.now()), either);
    } catch (err) {
      if (!ctx.signal.aborted && ctx.pauseSignal.aborted) throw new StepPaused({ deadline } satisfies SleepState);
      throw err;
    }
  },
};
