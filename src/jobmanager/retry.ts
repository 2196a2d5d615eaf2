/** Retry: a finished job runs again as a new job with the same descriptor; the new job records which job it retries. */
import type { ApiEvent } from "../api/api.js";
import { type RetryResult, TERMINAL_STATES } from "../api/types.js";
import { OrdoError } from "../errors.js";
import { type JobManagerContext, requireJob } from "./context.js";
import type { ResolvedJob } from "./descriptor.js";

export async function retry(ctx: JobManagerContext, { request }: ApiEvent<"retry">): Promise<RetryResult> {
  const job = await requireJob(ctx, request.jobId);
  if (!TERMINAL_STATES.has(job.state))
    throw new OrdoError(
      "ORDO_ERR_JOB_STILL_RUNNING",
      `job ${job.id} is still running (state ${job.state}): stop it or wait for it to end`,
    );
  const resolved = JSON.parse(job.descriptorResolved) as ResolvedJob;
  const created = await ctx.storage.createJob({
    name: job.name,
    requestor: request.requestor,
    serverId: ctx.serverId,
    descriptorRaw: job.descriptorRaw,
    descriptorResolved: job.descriptorResolved,
    tags: job.tags,
    retryOf: job.id,
  });
  ctx.launch(created.id, resolved);
  return { JobID: job.id, NewJobID: created.id };
}
