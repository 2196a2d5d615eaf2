/**
 * Subscribe: the log's entries that a filter selects, after a cursor (or from the head, or after a consistent
 * snapshot of the jobs), then live. The cursor is checked here, so "too old" is reported before anything streams.
 */
import type { ApiEvent } from "../api/api.js";
import { checkCursor, type JobsSnapshot, jobIdsOf, type Subscription } from "../api/events.js";
import { OrdoError } from "../errors.js";
import { followLog } from "../events/follow-log.js";
import type { JobManagerContext } from "./context.js";

export async function subscribe(ctx: JobManagerContext, { request }: ApiEvent<"subscribe">): Promise<Subscription> {
  const q = request.query;
  let snapshot: JobsSnapshot | undefined;
  let afterSeq: number;
  if (q.snapshot) {
    if (q.afterSeq !== undefined)
      throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "a snapshot starts the stream: do not also give from_seq", {
        field: "from_seq",
      });
    snapshot = await ctx.storage.snapshotJobs(jobIdsOf(q.filter));
    afterSeq = snapshot.seq;
  } else {
    const bounds = await ctx.storage.logBounds();
    afterSeq = q.afterSeq ?? bounds.headSeq;
    checkCursor(afterSeq, bounds);
  }
  const batches = followLog(ctx.storage, ctx.sink, { filter: q.filter, afterSeq, signal: q.signal });
  return snapshot ? { snapshot, afterSeq, batches } : { afterSeq, batches };
}
