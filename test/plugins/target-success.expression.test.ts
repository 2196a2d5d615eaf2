import assert from "node:assert/strict";
import { test } from "node:test";
import { OrdoError } from "../../src/errors.js";
import { TargetSuccess } from "../../src/plugins/reporters/target-success.js";
import type { RunOutcome } from "../../src/plugins/types.js";

/** A run with one test whose targets pass or fail as listed. */
function run(...tests: boolean[][]): RunOutcome {
  return {
    jobId: 1,
    runId: 1,
    tests: tests.map((passes, i) => ({
      testName: `T${i}`,
      attempt: 0,
      targets: passes.map((ok, j) => ({ target: { ID: `t${j}` }, error: ok ? null : "failed" })),
    })),
  };
}

const judge = (expr: string, outcome: RunOutcome) =>
  TargetSuccess.runReport({ SuccessExpression: expr }, outcome).success;

test("percentage expressions compare the share of targets that passed", () => {
  const fourOfFive = run([true, true, true, true, false]); // 80%
  assert.equal(judge(">80%", fourOfFive), false);
  assert.equal(judge(">=80%", fourOfFive), true);
  assert.equal(judge("=80%", fourOfFive), true);
  assert.equal(judge("=100%", fourOfFive), false);
  assert.equal(judge("<100%", fourOfFive), true);
  assert.equal(judge("<=79.9%", fourOfFive), false);
  assert.equal(judge("=100%", run([true, true])), true);
});

test("count expressions compare the number of targets that passed", () => {
  const threeOfFour = run([true, true, true, false]);
  assert.equal(judge(">=3", threeOfFour), true);
  assert.equal(judge(">3", threeOfFour), false);
  assert.equal(judge("=3", threeOfFour), true);
  assert.equal(judge("<3", threeOfFour), false);
});

test("each test is judged on its own, as ConTest does: one failing test fails the run", () => {
  // Pooled, 9 of 10 targets passed (90%); but test T0 passed 0 of 1.
  const outcome = run([false], [true, true, true, true, true, true, true, true, true]);
  const report = TargetSuccess.runReport({ SuccessExpression: ">80%" }, outcome);
  assert.equal(report.success, false);
  const data = report.data as { Tests: { TestName: string; Success: boolean }[]; Passed: number; Total: number };
  assert.deepEqual(
    data.Tests.map((t) => [t.TestName, t.Success]),
    [
      ["T0", false],
      ["T1", true],
    ],
  );
  assert.equal(data.Passed, 9);
  assert.equal(data.Total, 10);
  assert.equal(judge(">80%", run([true], [true, true, true, true, false, true])), true);
});

test("the report explains the verdict", () => {
  const report = TargetSuccess.runReport({ SuccessExpression: ">80%" }, run([true, false]));
  assert.equal(
    (report.data as { Message: string }).Message,
    "Test T0 does not pass: 1/2 targets passed (50%), expected >80%",
  );
});

test("the final report succeeds only when every run report did", () => {
  const ok = { success: true, data: null };
  const bad = { success: false, data: null };
  assert.equal(TargetSuccess.finalReport({}, [[ok], [ok]]).success, true);
  assert.equal(TargetSuccess.finalReport({}, [[ok], [ok, bad]]).success, false);
});

test("an unparsable expression is a descriptor error naming the parameter", () => {
  for (const expr of ["80%", ">", ">>80%", "> eighty", "", 80]) {
    assert.throws(
      () => TargetSuccess.validate({ SuccessExpression: expr }, "Reporting.RunReporters[0].Parameters"),
      (err: unknown) =>
        err instanceof OrdoError &&
        err.code === "ORDO_ERR_DESCRIPTOR_INVALID" &&
        err.field === "Reporting.RunReporters[0].Parameters.SuccessExpression",
      JSON.stringify(expr),
    );
  }
  assert.doesNotThrow(() => TargetSuccess.validate({ successexpression: " >= 50 % " }, "P"));
});
