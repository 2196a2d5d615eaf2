/**
 * One competing reader of a notification queue: leases ready notifications (at most `maxOutstanding`
 * unacknowledged at once), yields them, and takes acknowledgements. It wakes when a notification for its queue
 * commits, when an ack frees room, or when some reader's delivery falls due again; otherwise it polls slowly.
 */
import type { PullQuery, QueueNotification, QueueReader } from "../api/events.js";
import type { EventSink } from "../jobmanager/runner/event-sink.js";
import type { Storage } from "../storage/storage.js";
import { queuesFor } from "./queues.js";

const POLL_MS = 1000;
const MIN_WAIT_MS = 5;

export function openQueueReader(storage: Storage, sink: EventSink, q: PullQuery): QueueReader {
  /** Tokens delivered to this reader and not acknowledged, with their deadlines. */
  const outstanding = new Map<string, number>();
  let dirty = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    dirty = true;
    wake?.();
  };

  async function sleep(): Promise<void> {
    if (dirty) return;
    const now = Date.now();
    const due = [(await storage.nextNotificationExpiry(q.queue)) ?? Number.POSITIVE_INFINITY, ...outstanding.values()];
    const delay = Math.max(MIN_WAIT_MS, Math.min(POLL_MS, Math.min(...due) - now));
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, delay);
      if (dirty) resolve();
    });
    clearTimeout(timer);
    wake = undefined;
  }

  async function* notifications(): AsyncGenerator<QueueNotification> {
    const unsubscribe = sink.subscribe((events) => {
      if (events.some((e) => queuesFor(e).includes(q.queue))) nudge();
    });
    q.signal.addEventListener("abort", nudge);
    try {
      while (!q.signal.aborted) {
        dirty = false;
        const now = Date.now();
        for (const [token, deadline] of outstanding) if (deadline <= now) outstanding.delete(token);
        const room = q.maxOutstanding - outstanding.size;
        if (room > 0) {
          const batch = await storage.leaseNotifications(q.queue, q.ackDeadlineMs, room);
          for (const n of batch) outstanding.set(n.token, n.deadline);
          for (const n of batch) {
            if (q.signal.aborted) return;
            yield n;
          }
          if (batch.length === room) continue;
        }
        await sleep();
      }
    } finally {
      unsubscribe();
      q.signal.removeEventListener("abort", nudge);
    }
  }

  return {
    notifications: notifications(),
    async ack(tokens) {
      const current = await storage.ackNotifications(q.queue, tokens);
      for (const t of tokens) outstanding.delete(t);
      nudge();
      return current;
    },
  };
}
