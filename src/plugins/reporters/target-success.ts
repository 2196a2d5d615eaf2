/**
 * TargetSuccess: as in ConTest, each test of a run is judged on its own: the share (or count) of its targets that
 * passed every step must meet SuccessExpression (">80%", "=100%", ">=3"), and the run succeeds when every test
 * does. The final report succeeds when every run report did.
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
    const expr = `${t.op}${t.value}${t.percent ? "%" : ""}`;
    const tests = run.tests.map((test) => {
      const passed = test.targets.filter((o) => o.error === null).length;
      const total = test.targets.length;
      const percent = total === 0 ? 0 : (passed / total) * 100;
      const success = total > 0 && holds(t.percent ? percent : passed, t);
      const verdict = success ? "passes" : "does not pass";
      return {
        TestName: test.testName,
        Success: success,
        Passed: passed,
        Total: total,
        Message: `Test ${test.testName} ${verdict}: ${passed}/${total} targets passed (${Number(percent.toFixed(2))}%), expected ${expr}`,
      };
    });
    return {
      success: tests.length > 0 && tests.every((x) => x.Success),
      data: {
        Message: tests.map((x) => x.Message).join("; "),
        Passed: tests.reduce((n, x) => n + x.Passed, 0),
        Total: tests.reduce((n, x) => n + x.Total, 0),
        Tests: tests,
      },
    };
  },
  finalReport(_params, runReports) {
    const runs = runReports.length;
    const failed = runReports.filter((r) => r.some((x) => !x.success)).length;
    return { success: failed === 0, data: { Message: `${runs - failed}/${runs} runs succeeded` } };
  },
};
