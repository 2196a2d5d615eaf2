/** echo: emits its text (templates expanded) for each target; always passes. */
import { oneString } from "../params.js";
import type { Step } from "../types.js";

export const echo: Step = {
  kind: "step",
  name: "echo",
  events: ["EchoMessage"],
  validate(params, path) {
    oneString(params, "text", path, true);
  },
  async run(ctx) {
    const text = ctx.expand(oneString(ctx.params, "text", "parameters", true) as string);
    await ctx.emit("EchoMessage", { Msg: text });
  },
};
