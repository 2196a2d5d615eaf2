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
  /** Runs a stored job, or queues it when the server is at capacity. */
  launch(jobId: JobId, job: ResolvedJob): void;
  /** Takes a queued job out of the queue; false when it is not queued. */
  dequeue(jobId: JobId): boolean;
  /** 1-based place of a job in the queue, or null when it is not waiting. */
  queuePosition(jobId: JobId): number | null;
}

export async function requireJob(ctx: JobManagerContext, jobId: JobId): Promise<JobRecord> {
  const job = await ctx.storage.getJob(jobId);
  if (!job) throw new OrdoError("ORDO_ERR_JOB_NOT_FOUND", `job ${jobId} not found`);
  return job;
}
