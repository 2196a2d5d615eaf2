/** randecho: like echo, but each target passes or fails at random (a coin toss per target). */
import { oneString } from "../params.js";
import type { Step } from "../types.js";

export const randecho: Step = {
  kind: "step",
  name: "randecho",
  events: ["EchoMessage"],
  validate(params, path) {
    oneString(params, "text", path, true);
  },
  async run(ctx) {
    const text = ctx.expand(oneString(ctx.params, "text", "parameters", true) as string);
    if (Math.random() < 0.5) throw new Error(`randecho: target ${ctx.target.ID} drew a failure`);
    await ctx.emit("EchoMessage", { Msg: text });
  },
};
