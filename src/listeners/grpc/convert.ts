/** Converts the Api's results to ordo.v1 proto messages (plain objects as @grpc/proto-loader expects them). */
import type {
  JobReport,
  JobStatus,
  JobSummary,
  LogEvent,
  Report,
  RunStatus,
  Target,
  TargetStatus,
  TestEvent,
  TestStatus,
} from "../../api/types.js";

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export function timestamp(time: string | number | null): Timestamp | null {
  if (time === null) return null;
  const ms = typeof time === "number" ? time : Date.parse(time);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export function timestampToIso(ts: Timestamp | null | undefined): string | null {
  if (!ts) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.round(ts.nanos / 1e6)).toISOString();
}

function target(t: Target | null) {
  return t
    ? { id: t.ID, fqdn: t.FQDN ?? "", primary_ipv4: t.PrimaryIPv4 ?? "", primary_ipv6: t.PrimaryIPv6 ?? "" }
    : null;
}

export function logEvent(e: LogEvent) {
  return {
    seq: e.seq,
    job_id: String(e.jobId),
    run_id: e.runId ?? 0,
    test_name: e.testName ?? "",
    test_attempt: e.testAttempt ?? 0,
    step_label: e.stepLabel ?? "",
    target: target(e.target),
    event_name: e.eventName,
    payload_json: JSON.stringify(e.payload ?? null),
    emit_time: timestamp(e.time),
    entity_type: e.entityType,
    operation: e.operation,
  };
}

function testEvent(e: TestEvent) {
  return {
    seq: e.Seq,
    job_id: String(e.JobID),
    run_id: e.RunID,
    test_name: e.TestName,
    test_attempt: e.TestAttempt,
    step_label: e.TestStepLabel,
    target: target(e.Target),
    event_name: e.EventName,
    payload_json: JSON.stringify(e.Payload ?? null),
    emit_time: timestamp(e.EmitTime),
    entity_type: "step",
    operation: "create",
  };
}

function targetStatus(t: TargetStatus) {
  return {
    target: target(t.Target),
    in_time: timestamp(t.InTime),
    out_time: timestamp(t.OutTime),
    error: t.Error ?? "",
    events: (t.Events ?? []).map(testEvent),
  };
}

function testStatus(t: TestStatus) {
  return {
    test_name: t.TestName,
    test_attempt: t.TestAttempt,
    step_statuses: t.TestStepStatuses.map((s) => ({
      step_name: s.TestStepName,
      step_label: s.TestStepLabel,
      events: s.Events.map(testEvent),
      target_statuses: s.TargetStatuses.map(targetStatus),
    })),
    target_statuses: t.TargetStatuses.map(targetStatus),
  };
}

function runStatus(r: RunStatus) {
  return {
    run_id: r.RunID,
    start_time: timestamp(r.StartTime),
    end_time: timestamp(r.EndTime),
    test_statuses: r.TestStatuses.map(testStatus),
  };
}

function report(r: Report) {
  return {
    job_id: String(r.JobID),
    run_id: r.RunID,
    reporter_name: r.ReporterName,
    report_time: timestamp(r.ReportTime),
    success: r.Success,
    data_json: JSON.stringify(r.Data ?? null),
  };
}

export function jobReport(r: JobReport) {
  return {
    run_reports: r.RunReports.map((reports) => ({ run_id: reports[0]?.RunID ?? 0, reports: reports.map(report) })),
    final_reports: r.FinalReports.map(report),
  };
}

export function jobStatus(s: JobStatus) {
  return {
    job_id: String(s.JobID),
    name: s.Name,
    requestor: s.Requestor,
    server_id: s.ServerID,
    tags: s.Tags,
    state: s.State,
    state_err_msg: s.StateErrMsg,
    submit_time: timestamp(s.SubmitTime),
    start_time: timestamp(s.StartTime),
    end_time: timestamp(s.EndTime),
    retry_of: s.RetryOf === null ? "" : String(s.RetryOf),
    run_statuses: s.RunStatuses.map(runStatus),
    report: jobReport(s.JobReport),
  };
}

export function jobSummary(j: JobSummary) {
  return {
    job_id: String(j.JobID),
    name: j.Name,
    state: j.State,
    requestor: j.Requestor,
    tags: j.Tags,
    submit_time: timestamp(j.SubmitTime),
    start_time: timestamp(j.StartTime),
    end_time: timestamp(j.EndTime),
  };
}
