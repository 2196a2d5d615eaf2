/**
 * Follows one job's events: everything after `afterSeq` from the log, then live events as they commit, until
 * the job's terminal state event. Each event is yielded exactly once, in sequence order. The consumer pulls,
 * so a slow consumer never grows memory without bound: live events beyond `bufferLimit` are dropped from
 * memory and read back from the log instead.
 */
import { type JobId, TERMINAL_STATES } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { EventSink } from "../jobmanager/runner/event-sink.js";
import type { Storage, StoredEvent } from "../storage/storage.js";

export interface FollowOptions {
  afterSeq?: number;
  signal?: AbortSignal;
  bufferLimit?: number;
  pageSize?: number;
}

export function isTerminalEvent(e: StoredEvent): boolean {
  return e.entityType === "job" && TERMINAL_STATES.has(e.eventName as never);
}

export async function* followJob(
  storage: Storage,
  sink: EventSink,
  jobId: JobId,
  opts: FollowOptions = {},
): AsyncGenerator<StoredEvent> {
  const bufferLimit = opts.bufferLimit ?? 1000;
  const pageSize = opts.pageSize ?? 500;
  let last = opts.afterSeq ?? 0;
  let buffer: StoredEvent[] = [];
  let overflow = false;
  let wake: (() => void) | undefined;
  const unsubscribe = sink.subscribe((events) => {
    for (const e of events) {
      if (e.jobId !== jobId) continue;
      if (buffer.length >= bufferLimit) overflow = true;
      else buffer.push(e);
    }
    wake?.();
  });
  const onAbort = () => wake?.();
  opts.signal?.addEventListener("abort", onAbort);
  try {
    const job = await storage.getJob(jobId);
    if (!job) throw new OrdoError("ORDO_ERR_JOB_NOT_FOUND", `job ${jobId} not found`);
    for (;;) {
      // Anything committed from here on is either read below or lands in the buffer.
      buffer = [];
      overflow = false;
      for (;;) {
        const page = await storage.listEvents(jobId, { afterSeq: last, limit: pageSize });
        for (const e of page) {
          if (opts.signal?.aborted) return;
          yield e;
          last = e.seq;
          if (isTerminalEvent(e)) return;
        }
        if (page.length < pageSize) break;
      }
      if (overflow) continue;
      // Caught up. A job that had already ended before `afterSeq` has nothing more to say.
      const now = await storage.getJob(jobId);
      if (now && TERMINAL_STATES.has(now.state) && !buffer.some((e) => e.seq > last)) return;
      while (!overflow) {
        if (opts.signal?.aborted) return;
        const e = buffer.shift();
        if (!e) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        if (e.seq <= last) continue;
        yield e;
        last = e.seq;
        if (isTerminalEvent(e)) return;
      }
    }
  } finally {
    unsubscribe();
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
