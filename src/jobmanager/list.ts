/** List: jobs in any of the given states and carrying all of the given tags. */
import type { ApiEvent } from "../api/api.js";
import { isJobStateName, type JobSummary } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { JobManagerContext } from "./context.js";
import { validateTags } from "./descriptor.js";

export async function list(ctx: JobManagerContext, { request }: ApiEvent<"list">): Promise<JobSummary[]> {
  const { query } = request;
  for (const s of query.states ?? []) {
    if (!isJobStateName(s))
      throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", `unknown job state "${s}"`, { field: "states" });
  }
  try {
    validateTags(query.tags ?? [], "tags");
  } catch (err) {
    throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", (err as Error).message, { field: "tags" });
  }
  const jobs = await ctx.storage.listJobs(query);
  for (const j of jobs) if (j.State === "JobStateUnknown") j.QueuePosition = ctx.queuePosition(j.JobID);
  return jobs;
}
