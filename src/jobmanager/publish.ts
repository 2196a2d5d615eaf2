/** Publish: stores entries another server forwarded from its log, as `eventsource` entries (no job state changes). */
import type { ApiEvent } from "../api/api.js";
import type { PublishResult } from "../api/events.js";
import { OrdoError } from "../errors.js";
import type { JobManagerContext } from "./context.js";

const SOURCE_MAX = 128;

export async function publish(ctx: JobManagerContext, { request }: ApiEvent<"publish">): Promise<PublishResult> {
  const { source, events } = request.query;
  if (source.length === 0 || source.length > SOURCE_MAX)
    throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", `source must be 1-${SOURCE_MAX} characters`, { field: "source" });
  for (const e of events)
    if (!Number.isSafeInteger(e.sourceSeq) || e.sourceSeq < 1 || e.eventName === "")
      throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "each event needs a positive seq and an event name", {
        field: "events",
      });
  return ctx.storage.ingestEvents(source, events);
}
