/**
 * Follows one job's events: everything after `afterSeq` from the log, then live events as they commit, until
 * the job's terminal state event. Each event is yielded exactly once, in sequence order, with the follower's
 * bounded buffer (see follow.ts). A cursor whose job events retention already removed is "too old".
 */
import { type JobId, TERMINAL_STATES } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { EventSink } from "../jobmanager/runner/event-sink.js";
import type { Storage, StoredEvent } from "../storage/storage.js";
import { follow } from "./follow.js";

export interface FollowOptions {
  afterSeq?: number;
  signal?: AbortSignal;
  bufferLimit?: number;
  pageSize?: number;
}

export function isTerminalEvent(e: StoredEvent): boolean {
  return e.entityType === "job" && TERMINAL_STATES.has(e.eventName as never);
}

/** After reading past `afterSeq`: fails when retention may have removed some of the job's events after it. */
async function checkRetention(storage: Storage, jobId: JobId, afterSeq: number): Promise<void> {
  const { prunedThrough } = await storage.logBounds();
  if (afterSeq >= prunedThrough) return;
  // Every event of a job comes after its JobCreated: while that is kept, none of the job's events was removed.
  const created = await storage.listEvents(jobId, { eventName: "JobCreated", limit: 1 });
  if (created.length === 0)
    throw new OrdoError(
      "ORDO_ERR_CURSOR_TOO_OLD",
      `cursor ${afterSeq} is too old for job ${jobId}: retention removed events through seq ${prunedThrough}`,
      { field: "from-seq" },
    );
}

export async function* followJob(
  storage: Storage,
  sink: EventSink,
  jobId: JobId,
  opts: FollowOptions = {},
): AsyncGenerator<StoredEvent> {
  const job = await storage.getJob(jobId);
  if (!job) throw new OrdoError("ORDO_ERR_JOB_NOT_FOUND", `job ${jobId} not found`);
  yield* follow(sink, {
    afterSeq: opts.afterSeq ?? 0,
    async read(afterSeq, limit) {
      const events = await storage.listEvents(jobId, { afterSeq, limit });
      await checkRetention(storage, jobId, afterSeq);
      return { events, nextAfterSeq: events.at(-1)?.seq ?? afterSeq, more: events.length >= limit };
    },
    selects: (e) => e.jobId === jobId,
    isLast: isTerminalEvent,
    // A job that had already ended before the cursor has nothing more to say.
    async endWhenCaughtUp() {
      const now = await storage.getJob(jobId);
      return now !== undefined && TERMINAL_STATES.has(now.state);
    },
    signal: opts.signal,
    bufferLimit: opts.bufferLimit,
    pageSize: opts.pageSize,
  });
}
