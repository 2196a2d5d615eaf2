/** sleep: waits `duration` per target; a stop interrupts the wait at once. */
import { parseDuration } from "../../util/duration.js";
import { checkDuration, oneString, sleep as wait } from "../params.js";
import type { Step } from "../types.js";

export const sleep: Step = {
  kind: "step",
  name: "sleep",
  events: [],
  validate(params, path) {
    checkDuration(params, "duration", path, true);
  },
  async run(ctx) {
    const text = ctx.expand(oneString(ctx.params, "duration", "parameters", true) as string);
    const ms = parseDuration(text);
    if (ms === undefined || ms < 0) throw new Error(`invalid duration "${text}"`);
    await wait(ms, ctx.signal);
  },
};
