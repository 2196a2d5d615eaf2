/**
 * Follows the whole log through a filter (WebSocket and gRPC subscribers): the selected entries after a cursor,
 * then live, exactly once and in seq order, in batches (what committed since the last pull), with the follower's
 * bounded buffer and log fallback (see follow.ts).
 */
import { compileFilter, type EventFilter } from "../api/events.js";
import type { EventSink } from "../jobmanager/runner/event-sink.js";
import type { Storage, StoredEvent } from "../storage/storage.js";
import { followBatches } from "./follow.js";

export interface FollowLogOptions {
  filter: EventFilter;
  afterSeq: number;
  signal?: AbortSignal | undefined;
  bufferLimit?: number | undefined;
  pageSize?: number | undefined;
}

export function followLog(storage: Storage, sink: EventSink, opts: FollowLogOptions): AsyncGenerator<StoredEvent[]> {
  const selects = compileFilter(opts.filter);
  return followBatches(sink, {
    afterSeq: opts.afterSeq,
    read: (afterSeq, limit) => storage.readLog({ afterSeq, limit, filter: opts.filter }),
    selects,
    signal: opts.signal,
    bufferLimit: opts.bufferLimit,
    pageSize: opts.pageSize,
  });
}
