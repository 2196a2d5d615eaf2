/** ReadLog: one page of the global log after a cursor (or from the oldest retained entry), through a filter. */
import type { ApiEvent } from "../api/api.js";
import type { LogPage } from "../api/events.js";
import type { JobManagerContext } from "./context.js";

export async function readLog(ctx: JobManagerContext, { request }: ApiEvent<"readLog">): Promise<LogPage> {
  const q = request.query;
  const afterSeq = q.afterSeq ?? (await ctx.storage.logBounds()).prunedThrough;
  return ctx.storage.readLog({ ...q, afterSeq });
}
