/** Pull: joins a named notification queue as one of its competing readers. */
import type { ApiEvent } from "../api/api.js";
import type { QueueReader } from "../api/events.js";
import { OrdoError } from "../errors.js";
import { openQueueReader } from "../events/queue-reader.js";
import { isQueueName, queueNames } from "../events/queues.js";
import type { JobManagerContext } from "./context.js";

export async function pull(ctx: JobManagerContext, { request }: ApiEvent<"pull">): Promise<QueueReader> {
  const q = request.query;
  if (!isQueueName(q.queue))
    throw new OrdoError("ORDO_ERR_QUEUE_NOT_FOUND", `no queue "${q.queue}" (queues: ${queueNames().join(", ")})`, {
      field: "queue",
    });
  if (!(q.ackDeadlineMs > 0) || !(q.maxOutstanding >= 1))
    throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "the ack deadline and max outstanding must be positive");
  return openQueueReader(ctx.storage, ctx.sink, q);
}
