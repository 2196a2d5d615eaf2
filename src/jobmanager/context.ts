/** What every verb handler of the JobManager works with. */
import type { JobId } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { PluginRegistry } from "../plugins/registry.js";
import type { JobRecord, Storage } from "../storage/storage.js";
import type { ResolvedJob } from "./descriptor.js";
import type { EventSink } from "./runner/event-sink.js";
import type { JobRunner } from "./runner/job-runner.js";

export interface JobManagerContext {
  storage: Storage;
  registry: PluginRegistry;
  sink: EventSink;
  serverId: string;
  /** Relative paths in descriptors resolve from here. */
  cwd: string;
  runners: Map<JobId, JobRunner>;
  /** Starts running a stored job. */
  launch(jobId: JobId, job: ResolvedJob): void;
}

export async function requireJob(ctx: JobManagerContext, jobId: JobId): Promise<JobRecord> {
  const job = await ctx.storage.getJob(jobId);
  if (!job) throw new OrdoError("ORDO_ERR_JOB_NOT_FOUND", `job ${jobId} not found`);
  return job;
}
