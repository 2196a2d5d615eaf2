/** Human views of a job's status: the full `ordo status` page and the short ending `--wait` and `watch` print. */
import type { JobReport, JobStatus, Report, TargetStatus } from "../api/types.js";
import { span, table } from "./output.js";

interface Counts {
  passed: number;
  failed: number;
  running: number;
}

export function countTargets(targets: TargetStatus[]): Counts {
  const c: Counts = { passed: 0, failed: 0, running: 0 };
  for (const t of targets) {
    if (t.Error !== null) c.failed++;
    else if (t.OutTime !== null) c.passed++;
    else c.running++;
  }
  return c;
}

function countsText(c: Counts): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.running > 0) parts.push(`${c.running} running`);
  return parts.join(", ");
}

function reportGist(r: Report): string {
  const d = r.Data;
  if (typeof d === "string") return d;
  if (typeof d === "object" && d !== null && typeof (d as { Message?: unknown }).Message === "string")
    return (d as { Message: string }).Message;
  return d === null || d === undefined ? "" : JSON.stringify(d);
}

/** One row per report: where (run N or final), reporter, verdict, message. */
export function reportLines(report: JobReport): string[] {
  const rows = [
    ...report.RunReports.flat().map((r) => [
      `run ${r.RunID}`,
      r.ReporterName,
      r.Success ? "PASS" : "FAIL",
      reportGist(r),
    ]),
    ...report.FinalReports.map((r) => ["final", r.ReporterName, r.Success ? "PASS" : "FAIL", reportGist(r)]),
  ];
  if (rows.length === 0) return ["  (no reports)"];
  return table(["WHEN", "REPORTER", "RESULT", "MESSAGE"], rows)
    .split("\n")
    .map((l) => `  ${l}`);
}

/** What `--wait` and `watch` print at the end: final state, error, duration, report summary. */
export function finalSummary(s: JobStatus): string[] {
  const took = span(s.StartTime, s.EndTime);
  const lines = [`job ${s.JobID} ${s.State}${took ? ` after ${took}` : ""}`];
  if (s.StateErrMsg) lines.push(`  error: ${s.StateErrMsg}`);
  lines.push("reports:", ...reportLines(s.JobReport));
  return lines;
}

export function statusView(s: JobStatus): string[] {
  const lines = [`job ${s.JobID}: ${s.Name}`];
  const field = (name: string, value: string) => lines.push(`  ${`${name}:`.padEnd(11)}${value}`);
  field("state", s.State);
  if (s.StateErrMsg) field("error", s.StateErrMsg);
  field("requestor", s.Requestor);
  if (s.Tags.length > 0) field("tags", s.Tags.join(", "));
  if (s.RetryOf !== null) field("retry of", `job ${s.RetryOf}`);
  field("server", s.ServerID);
  field("submitted", s.SubmitTime);
  if (s.StartTime) field("started", s.StartTime);
  if (s.EndTime) field("ended", `${s.EndTime} (${span(s.StartTime, s.EndTime)})`);
  for (const run of s.RunStatuses) {
    const took = span(run.StartTime, run.EndTime);
    lines.push(`run ${run.RunID}: started ${run.StartTime}${took ? `, took ${took}` : ", running"}`);
    for (const test of run.TestStatuses) {
      lines.push(
        `  test ${JSON.stringify(test.TestName)} attempt ${test.TestAttempt}: targets ${countsText(countTargets(test.TargetStatuses))}`,
      );
      for (const step of test.TestStepStatuses)
        lines.push(
          `    step ${step.TestStepLabel} (${step.TestStepName}): ${countsText(countTargets(step.TargetStatuses))}`,
        );
    }
  }
  lines.push("reports:", ...reportLines(s.JobReport));
  return lines;
}
