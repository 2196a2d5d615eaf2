/** ordo.v1 proto messages (as @grpc/proto-loader decodes them) back into the Api's JSON shapes. */
import type {
  JobStateName,
  JobStatus,
  JobSummary,
  Report,
  RunStatus,
  Target,
  TargetStatus,
  TestEvent,
  TestStatus,
} from "../../api/types.js";
import { type Timestamp, timestampToIso } from "../../listeners/grpc/convert.js";

export interface PbTarget {
  id: string;
  fqdn: string;
  primary_ipv4: string;
  primary_ipv6: string;
}
export interface PbEvent {
  seq: number;
  job_id: string;
  run_id: number;
  test_name: string;
  test_attempt: number;
  step_label: string;
  target: PbTarget | null;
  event_name: string;
  payload_json: string;
  emit_time: Timestamp | null;
}
interface PbTargetStatus {
  target: PbTarget | null;
  in_time: Timestamp | null;
  out_time: Timestamp | null;
  error: string;
  events: PbEvent[];
}
interface PbTestStatus {
  test_name: string;
  test_attempt: number;
  step_statuses: { step_name: string; step_label: string; events: PbEvent[]; target_statuses: PbTargetStatus[] }[];
  target_statuses: PbTargetStatus[];
}
interface PbRunStatus {
  run_id: number;
  start_time: Timestamp | null;
  end_time: Timestamp | null;
  test_statuses: PbTestStatus[];
}
interface PbReport {
  job_id: string;
  run_id: number;
  reporter_name: string;
  report_time: Timestamp | null;
  success: boolean;
  data_json: string;
}
export interface PbJobStatus {
  job_id: string;
  name: string;
  requestor: string;
  server_id: string;
  tags: string[];
  state: string;
  state_err_msg: string;
  submit_time: Timestamp | null;
  start_time: Timestamp | null;
  end_time: Timestamp | null;
  retry_of: string;
  run_statuses: PbRunStatus[];
  report: { run_reports: { run_id: number; reports: PbReport[] }[]; final_reports: PbReport[] } | null;
}
export interface PbJobSummary {
  job_id: string;
  name: string;
  state: string;
  requestor: string;
  tags: string[];
  submit_time: Timestamp | null;
  start_time: Timestamp | null;
  end_time: Timestamp | null;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function target(t: PbTarget | null): Target | null {
  if (!t) return null;
  const out: Target = { ID: t.id };
  if (t.fqdn) out.FQDN = t.fqdn;
  if (t.primary_ipv4) out.PrimaryIPv4 = t.primary_ipv4;
  if (t.primary_ipv6) out.PrimaryIPv6 = t.primary_ipv6;
  return out;
}

export function testEvent(e: PbEvent): TestEvent {
  return {
    Seq: Number(e.seq),
    JobID: Number(e.job_id),
    RunID: e.run_id,
    TestName: e.test_name,
    TestAttempt: e.test_attempt,
    TestStepLabel: e.step_label,
    Target: target(e.target),
    EventName: e.event_name,
    Payload: json(e.payload_json),
    EmitTime: timestampToIso(e.emit_time) ?? "",
  };
}

function targetStatus(t: PbTargetStatus): TargetStatus {
  return {
    Target: target(t.target) ?? { ID: "" },
    InTime: timestampToIso(t.in_time),
    OutTime: timestampToIso(t.out_time),
    Error: t.error || null,
    Events: t.events.map(testEvent),
  };
}

function testStatus(t: PbTestStatus): TestStatus {
  return {
    TestName: t.test_name,
    TestAttempt: t.test_attempt,
    TestStepStatuses: t.step_statuses.map((s) => ({
      TestStepName: s.step_name,
      TestStepLabel: s.step_label,
      Events: s.events.map(testEvent),
      TargetStatuses: s.target_statuses.map(targetStatus),
    })),
    TargetStatuses: t.target_statuses.map(targetStatus),
  };
}

function report(r: PbReport): Report {
  return {
    JobID: Number(r.job_id),
    RunID: r.run_id,
    ReporterName: r.reporter_name,
    ReportTime: timestampToIso(r.report_time) ?? "",
    Success: r.success,
    Data: json(r.data_json),
  };
}

export function jobStatus(s: PbJobStatus): JobStatus {
  const jobId = Number(s.job_id);
  const runs: RunStatus[] = s.run_statuses.map((r) => ({
    JobID: jobId,
    RunID: r.run_id,
    StartTime: timestampToIso(r.start_time) ?? "",
    EndTime: timestampToIso(r.end_time),
    TestStatuses: r.test_statuses.map(testStatus),
  }));
  return {
    JobID: jobId,
    Name: s.name,
    Requestor: s.requestor,
    ServerID: s.server_id,
    Tags: s.tags,
    State: s.state as JobStateName,
    StateErrMsg: s.state_err_msg,
    SubmitTime: timestampToIso(s.submit_time) ?? "",
    StartTime: timestampToIso(s.start_time),
    EndTime: timestampToIso(s.end_time),
    RetryOf: s.retry_of ? Number(s.retry_of) : null,
    QueuePosition: null,
    RunStatuses: runs,
    JobReport: {
      JobID: jobId,
      RunReports: (s.report?.run_reports ?? []).map((r) => r.reports.map(report)),
      FinalReports: (s.report?.final_reports ?? []).map(report),
    },
  };
}

export function jobSummary(j: PbJobSummary): JobSummary {
  return {
    JobID: Number(j.job_id),
    Name: j.name,
    State: j.state as JobStateName,
    Requestor: j.requestor,
    Tags: j.tags,
    SubmitTime: timestampToIso(j.submit_time) ?? "",
    StartTime: timestampToIso(j.start_time),
    EndTime: timestampToIso(j.end_time),
    QueuePosition: null,
  };
}
