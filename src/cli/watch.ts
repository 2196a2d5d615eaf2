/**
 * Following a job: an event source yields the job's events in order, and `followJob` consumes them until a
 * terminal state event, then returns the final status. Polling REST is today's source; a WebSocket source
 * only has to implement `EventSource`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isJobStateName, type JobId, type JobStatus, TERMINAL_STATES, type TestEvent } from "../api/types.js";
import type { ClientTransport } from "./client/transport.js";

export const POLL_INTERVAL_MS = 200;

/** A job's events from the first one, in sequence order, until the consumer stops iterating. */
export type EventSource = (jobId: JobId) => AsyncIterable<TestEvent>;

/** Polls `events?after=<last seq>`; drains full pages at once and waits only when nothing new came. */
export function pollingEventSource(transport: ClientTransport, intervalMs = POLL_INTERVAL_MS): EventSource {
  return async function* poll(jobId) {
    let after = 0;
    for (;;) {
      const page = await transport.events(jobId, after);
      for (const e of page) {
        after = Math.max(after, e.Seq);
        yield e;
      }
      if (page.length === 0) await sleep(intervalMs);
    }
  };
}

export function isTerminalEvent(e: TestEvent): boolean {
  return e.TestName === "" && isJobStateName(e.EventName) && TERMINAL_STATES.has(e.EventName);
}

/** Status after the end event; the job row is written with the event, but re-read briefly rather than trust that. */
async function finalStatus(transport: ClientTransport, jobId: JobId): Promise<JobStatus> {
  for (let i = 0; ; i++) {
    const s = await transport.status(jobId);
    if (TERMINAL_STATES.has(s.State) || i >= 25) return s;
    await sleep(POLL_INTERVAL_MS);
  }
}

export interface FollowOptions {
  source?: EventSource;
  onEvent?: (e: TestEvent) => void;
}

/** Follows a job until it reaches a terminal state; returns its final status. */
export async function followJob(
  transport: ClientTransport,
  jobId: JobId,
  opts: FollowOptions = {},
): Promise<JobStatus> {
  const source =
    opts.source ?? (transport.follow ? (id: JobId) => transport.follow?.(id) ?? [] : pollingEventSource(transport));
  for await (const e of source(jobId)) {
    opts.onEvent?.(e);
    // Leaving the loop closes the source (the generator's return), which stops the polling.
    if (isTerminalEvent(e)) break;
  }
  return finalStatus(transport, jobId);
}
