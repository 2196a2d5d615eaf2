/** Stop: a running job is cancelled; its runner kills running steps, releases targets and records JobStateCancelled. */
import type { ApiEvent } from "../api/api.js";
import { TERMINAL_STATES } from "../api/types.js";
import { OrdoError } from "../errors.js";
import { type JobManagerContext, requireJob } from "./context.js";

export async function stop(ctx: JobManagerContext, { request }: ApiEvent<"stop">): Promise<Record<string, never>> {
  const job = await requireJob(ctx, request.jobId);
  if (TERMINAL_STATES.has(job.state))
    throw new OrdoError("ORDO_ERR_JOB_NOT_RUNNING", `job ${job.id} is not running (state ${job.state})`);
  const runner = ctx.runners.get(job.id);
  const reason = `stopped by ${request.requestor}`;
  if (job.state === "JobStateCancelling") return {};
  if (runner) {
    await ctx.sink.append({
      entityType: "job",
      operation: "update",
      eventName: "JobStateCancelling",
      jobId: job.id,
      payload: { Reason: reason },
    });
    runner.interrupt("cancel", reason);
  } else {
    // Nothing runs it here (a paused or queued job): it ends now.
    ctx.dequeue(job.id);
    await ctx.storage.unlockAll(job.id);
    await ctx.sink.append({
      entityType: "job",
      operation: "update",
      eventName: "JobStateCancelled",
      jobId: job.id,
      payload: { Reason: reason },
    });
  }
  return {};
}
