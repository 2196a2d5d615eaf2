/** Events: a job's test and framework events, filtered and paged by sequence number. */
import type { ApiEvent } from "../api/api.js";
import type { TestEvent } from "../api/types.js";
import type { StoredEvent } from "../storage/storage.js";
import { type JobManagerContext, requireJob } from "./context.js";

export function toTestEvent(e: StoredEvent): TestEvent {
  return {
    Seq: e.seq,
    JobID: e.jobId,
    RunID: e.runId ?? 0,
    TestName: e.testName ?? "",
    TestAttempt: e.testAttempt ?? 0,
    TestStepLabel: e.stepLabel ?? "",
    Target: e.target,
    EventName: e.eventName,
    Payload: e.payload,
    EmitTime: new Date(e.time).toISOString(),
  };
}

export async function events(ctx: JobManagerContext, { request }: ApiEvent<"events">): Promise<TestEvent[]> {
  await requireJob(ctx, request.jobId);
  return (await ctx.storage.listEvents(request.jobId, request.query)).map(toTestEvent);
}
