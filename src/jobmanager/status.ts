/**
 * Status: ConTest's status tree, read from the state rows the event writer keeps current (job row, runs,
 * test attempts, target steps) plus the steps' own events, never by replaying the job's state history.
 */
import type { ApiEvent } from "../api/api.js";
import type { JobStatus, RunStatus, TargetStatus, TestEvent, TestStatus } from "../api/types.js";
import type { StepDescriptor } from "../plugins/types.js";
import type { TargetStepRecord, TestAttemptRecord } from "../storage/storage.js";
import { type JobManagerContext, requireJob } from "./context.js";
import type { ResolvedJob } from "./descriptor.js";
import { toTestEvent } from "./events.js";
import { buildReport } from "./report.js";
import { CLEANUP_SUFFIX } from "./runner/test-runner.js";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const key = (...parts: (string | number | null)[]) => parts.join("\u0000");

function groupBy<T>(items: T[], keyOf: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = keyOf(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

function targetStatus(rows: TargetStepRecord[], events: TestEvent[]): TargetStatus[] {
  const byTarget = groupBy(rows, (r) => r.target.ID);
  return [...byTarget.values()].map((list) => {
    const first = list[0] as TargetStepRecord;
    const failed = list.find((r) => r.error !== null);
    const outs = list.map((r) => r.outTime);
    return {
      Target: first.target,
      InTime: iso(Math.min(...list.map((r) => r.inTime ?? Number.POSITIVE_INFINITY))),
      OutTime: outs.includes(null) ? null : iso(Math.max(...(outs as number[]))),
      Error: failed?.error ?? null,
      Events: events.filter((e) => e.Target?.ID === first.target.ID),
    };
  });
}

export async function status(ctx: JobManagerContext, { request }: ApiEvent<"status">): Promise<JobStatus> {
  const job = await requireJob(ctx, request.jobId);
  const resolved = JSON.parse(job.descriptorResolved) as ResolvedJob;
  const [runs, attempts, steps, stepEvents, report] = await Promise.all([
    ctx.storage.getRuns(job.id),
    ctx.storage.getTestAttempts(job.id),
    ctx.storage.getTargetSteps(job.id),
    ctx.storage.listEvents(job.id, { entityType: "step" }),
    buildReport(ctx.storage, job.id),
  ]);
  const stepsAt = groupBy(steps, (s) => key(s.runId, s.testName, s.attempt, s.stepLabel));
  const eventsAt = groupBy(stepEvents.filter((e) => e.operation === "create").map(toTestEvent), (e) =>
    key(e.RunID, e.TestName, e.TestAttempt, e.TestStepLabel),
  );
  const latest = new Map<string, TestAttemptRecord>();
  for (const a of attempts) latest.set(key(a.runId, a.testName), a);

  const testStatus = (runId: number, testName: string, attempt: number, stepList: StepDescriptor[]): TestStatus => {
    const stepStatuses = stepList.map((s) => {
      const k = key(runId, testName, attempt, s.label);
      const events = eventsAt.get(k) ?? [];
      return {
        TestStepName: s.name,
        TestStepLabel: s.label,
        Events: events,
        TargetStatuses: targetStatus(stepsAt.get(k) ?? [], events),
      };
    });
    const rows = stepList.flatMap((s) => stepsAt.get(key(runId, testName, attempt, s.label)) ?? []);
    return {
      TestName: testName,
      TestAttempt: attempt,
      TestStepStatuses: stepStatuses,
      TargetStatuses: targetStatus(rows, []).map(({ Events: _e, ...t }) => t),
    };
  };

  const runStatuses: RunStatus[] = runs.map((run) => {
    const tests: TestStatus[] = [];
    for (const t of resolved.tests) {
      const a = latest.get(key(run.runId, t.testName));
      if (!a) continue;
      tests.push(testStatus(run.runId, t.testName, a.attempt, t.steps));
      if (t.cleanupSteps.length > 0)
        tests.push(testStatus(run.runId, t.testName + CLEANUP_SUFFIX, a.attempt, t.cleanupSteps));
    }
    return {
      JobID: job.id,
      RunID: run.runId,
      StartTime: iso(run.startTime) as string,
      EndTime: iso(run.endTime),
      TestStatuses: tests,
    };
  });

  return {
    JobID: job.id,
    Name: job.name,
    Requestor: job.requestor,
    ServerID: job.serverId,
    Tags: job.tags,
    State: job.state,
    StateErrMsg: job.stateErr,
    SubmitTime: iso(job.submitTime) as string,
    StartTime: iso(job.startTime),
    EndTime: iso(job.endTime),
    RetryOf: job.retryOf,
    QueuePosition: ctx.queuePosition(job.id),
    RunStatuses: runStatuses,
    JobReport: report,
  };
}
