/**
 * TargetSuccess: a run succeeds when the share (or count) of targets that passed every step meets
 * SuccessExpression: ">80%", "=100%", ">=3". The final report succeeds when every run report did.
 */
import { invalidDescriptor } from "../../errors.js";
import { field } from "../../jobmanager/fields.js";
import type { Reporter } from "../types.js";

const EXPR = /^\s*(>=|<=|>|<|=)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

interface Threshold {
  op: string;
  value: number;
  percent: boolean;
}

function parse(params: Record<string, unknown>, path: string): Threshold {
  const expr = field(params, "SuccessExpression");
  const m = typeof expr === "string" ? EXPR.exec(expr) : null;
  if (!m)
    throw invalidDescriptor(
      `${path}.SuccessExpression`,
      `invalid expression ${JSON.stringify(expr)} (e.g. ">80%", "=100%", ">=3")`,
    );
  return { op: m[1] as string, value: Number(m[2]), percent: m[3] === "%" };
}

function holds(actual: number, t: Threshold): boolean {
  switch (t.op) {
    case ">":
      return actual > t.value;
    case ">=":
      return actual >= t.value;
    case "<":
      return actual < t.value;
    case "<=":
      return actual <= t.value;
    default:
      return actual === t.value;
  }
}

export const TargetSuccess: Reporter = {
  kind: "reporter",
  name: "TargetSuccess",
  validate(params, path) {
    parse(params, path);
  },
  runReport(params, run) {
    const t = parse(params, "Parameters");
    const outcomes = run.tests.flatMap((test) => test.targets);
    const passed = outcomes.filter((o) => o.error === null).length;
    const total = outcomes.length;
    const percent = total === 0 ? 0 : (passed / total) * 100;
    const success = holds(t.percent ? percent : passed, t);
    const expr = `${t.op}${t.value}${t.percent ? "%" : ""}`;
    return {
      success,
      data: {
        Message: `${passed}/${total} targets passed (${Number(percent.toFixed(2))}%), expected ${expr}`,
        Passed: passed,
        Total: total,
      },
    };
  },
  finalReport(_params, runReports) {
    const runs = runReports.length;
    const failed = runReports.filter((r) => r.some((x) => !x.success)).length;
    return { success: failed === 0, data: { Message: `${runs - failed}/${runs} runs succeeded` } };
  },
};
