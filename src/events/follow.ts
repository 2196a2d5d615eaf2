/**
 * The follower every live stream is built on: the log's entries after a cursor (catch-up), then live entries as
 * they commit, each exactly once and in seq order, handed over in batches (a catch-up page, or what committed since
 * the last pull). The consumer pulls, so a slow consumer never grows memory without bound: live entries beyond
 * `bufferLimit` are dropped from memory and read back from the log instead (and if retention removed them
 * meanwhile, the read fails with ORDO_ERR_CURSOR_TOO_OLD rather than skip them).
 */
import type { EventSink } from "../jobmanager/runner/event-sink.js";
import type { StoredEvent } from "../storage/storage.js";

export const DEFAULT_BUFFER_LIMIT = 1000;
export const DEFAULT_PAGE_SIZE = 500;

export interface FollowPage {
  /** Selected entries after the cursor, in seq order. */
  events: StoredEvent[];
  /** The cursor after this page (at least the last entry's seq). */
  nextAfterSeq: number;
  /** The log held more after this page when it was read. */
  more: boolean;
}

export interface FollowSpec {
  /** Entries after this seq. */
  afterSeq: number;
  /** Reads the selected entries after a cursor from the log. */
  read(afterSeq: number, limit: number): Promise<FollowPage>;
  /** Which live entries to keep: the same ones `read` returns. */
  selects(e: StoredEvent): boolean;
  /** Ends the follow once this entry has been handed over. */
  isLast?(e: StoredEvent): boolean;
  /** Asked whenever the follower has caught up with the log: true ends the follow. */
  endWhenCaughtUp?(): Promise<boolean>;
  signal?: AbortSignal | undefined;
  bufferLimit?: number | undefined;
  pageSize?: number | undefined;
}

/** The entries of `events` after `pos`, up to and including the last one (per `isLast`). */
function fresh(events: StoredEvent[], pos: number, isLast: FollowSpec["isLast"]): [StoredEvent[], boolean] {
  const out: StoredEvent[] = [];
  for (const e of events) {
    if (e.seq <= pos) continue;
    out.push(e);
    if (isLast?.(e)) return [out, true];
  }
  return [out, false];
}

export async function* followBatches(sink: EventSink, spec: FollowSpec): AsyncGenerator<StoredEvent[]> {
  const bufferLimit = spec.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const pageSize = spec.pageSize ?? DEFAULT_PAGE_SIZE;
  const signal = spec.signal;
  let pos = spec.afterSeq;
  let buffer: StoredEvent[] = [];
  let overflow = false;
  let wake: (() => void) | undefined;
  const unsubscribe = sink.subscribe((events) => {
    for (const e of events) {
      if (overflow || !spec.selects(e)) continue;
      if (buffer.length >= bufferLimit) {
        // Too far behind: forget what is buffered, and read it back from the log when the consumer gets here.
        overflow = true;
        buffer = [];
      } else buffer.push(e);
    }
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      // Anything committed from here on is either read below or lands in the buffer.
      buffer = [];
      overflow = false;
      for (;;) {
        if (signal?.aborted) return;
        const page = await spec.read(pos, pageSize);
        const [batch, last] = fresh(page.events, pos, spec.isLast);
        if (batch.length > 0) {
          if (signal?.aborted) return;
          yield batch;
          pos = (batch.at(-1) as StoredEvent).seq;
          if (last) return;
        }
        pos = Math.max(pos, page.nextAfterSeq);
        if (!page.more) break;
      }
      if (overflow) continue;
      // Caught up.
      if ((await spec.endWhenCaughtUp?.()) && !buffer.some((e) => e.seq > pos)) return;
      while (!overflow) {
        if (signal?.aborted) return;
        if (buffer.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const [batch, last] = fresh(buffer, pos, spec.isLast);
        buffer = [];
        if (batch.length === 0) continue;
        yield batch;
        pos = (batch.at(-1) as StoredEvent).seq;
        if (last) return;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The same, one entry at a time. */
export async function* follow(sink: EventSink, spec: FollowSpec): AsyncGenerator<StoredEvent> {
  for await (const batch of followBatches(sink, spec)) yield* batch;
}
