/** Report: a job's run reports (grouped by run) and final reports. */
import type { ApiEvent } from "../api/api.js";
import type { JobId, JobReport, Report } from "../api/types.js";
import type { Storage } from "../storage/storage.js";
import { type JobManagerContext, requireJob } from "./context.js";

export async function buildReport(storage: Storage, jobId: JobId): Promise<JobReport> {
  const reports = await storage.getReports(jobId);
  const byRun = new Map<number, Report[]>();
  for (const r of reports) {
    if (r.RunID === 0) continue;
    const list = byRun.get(r.RunID) ?? [];
    list.push(r);
    byRun.set(r.RunID, list);
  }
  return {
    JobID: jobId,
    RunReports: [...byRun.keys()].sort((a, b) => a - b).map((k) => byRun.get(k) ?? []),
    FinalReports: reports.filter((r) => r.RunID === 0),
  };
}

export async function report(ctx: JobManagerContext, { request }: ApiEvent<"report">): Promise<JobReport> {
  await requireJob(ctx, request.jobId);
  return buildReport(ctx.storage, request.jobId);
}
