/** Start: validate and resolve the descriptor, store the request (committed before the reply), launch the job. */
import type { ApiEvent } from "../api/api.js";
import type { StartResult } from "../api/types.js";
import type { JobManagerContext } from "./context.js";
import { parseDescriptorText, resolveDescriptor } from "./descriptor.js";

export async function start(ctx: JobManagerContext, { request }: ApiEvent<"start">): Promise<StartResult> {
  const doc = typeof request.descriptor === "string" ? parseDescriptorText(request.descriptor) : request.descriptor;
  const resolved = await resolveDescriptor(doc, ctx.registry, { cwd: ctx.cwd });
  const created = await ctx.storage.createJob({
    name: resolved.jobName,
    requestor: request.requestor,
    serverId: ctx.serverId,
    descriptorRaw: typeof request.descriptor === "string" ? request.descriptor : JSON.stringify(request.descriptor),
    descriptorResolved: JSON.stringify(resolved),
    tags: resolved.tags,
    idempotencyKey: request.idempotencyKey,
  });
  if (!created.existing) ctx.launch(created.id, resolved);
  return { JobID: created.id, Existing: created.existing };
}
