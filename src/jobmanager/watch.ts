/** Watch: a job's events from a sequence number, then live until the job ends. */
import type { ApiEvent } from "../api/api.js";
import type { LogEvent } from "../api/types.js";
import { followJob } from "../events/follow-job.js";
import { type JobManagerContext, requireJob } from "./context.js";

export async function watch(ctx: JobManagerContext, { request }: ApiEvent<"watch">): Promise<AsyncIterable<LogEvent>> {
  await requireJob(ctx, request.jobId);
  return followJob(ctx.storage, ctx.sink, request.jobId, { afterSeq: request.afterSeq, signal: request.signal });
}
