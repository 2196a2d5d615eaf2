/**
 * variables: `{"name": [jsonValue]}` makes each value available to later steps of the same target as
 * `{{ StringVar "<label>.<name>" }}` / `{{ IntVar "<label>.<name>" }}`; each emits VariableEmitted.
 */
import { invalidDescriptor } from "../../errors.js";
import type { Step } from "../types.js";

const NAME = /^[a-zA-Z]\w*$/;

export const variables: Step = {
  kind: "step",
  name: "variables",
  events: [],
  validate(params, path) {
    const entries = Object.entries(params);
    if (entries.length === 0) throw invalidDescriptor(path, "needs at least one variable");
    for (const [name, values] of entries) {
      if (!NAME.test(name)) throw invalidDescriptor(`${path}.${name}`, "variable names must match [a-zA-Z]\\w*");
      if (values.length !== 1) throw invalidDescriptor(`${path}.${name}`, "takes exactly one value");
    }
  },
  async run(ctx) {
    for (const [name, [value]] of Object.entries(ctx.params)) {
      await ctx.setVariable(name, typeof value === "string" ? ctx.expand(value) : value);
    }
  },
};
