/**
 * Where the runner's events go, and where in-process followers hear about them. Events are appended to the log
 * (with the state rows they imply), either waiting for the commit (`append`) or not (`emit`); subscribers are
 * told after each commit, in sequence order, and a failing subscriber is isolated so it never breaks the runner.
 */
import type { NewEvent, Storage, StoredEvent } from "../../storage/storage.js";

export type EventSubscriber = (events: StoredEvent[]) => void;

/** EmitTime is when the runner saw it happen (as in ConTest), not when the batch holding it was committed. */
function stamped(events: NewEvent[]): NewEvent[] {
  const now = Date.now();
  for (const e of events) e.time ??= now;
  return events;
}

export class EventSink {
  private readonly storage: Storage;
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly onSubscriberError: (err: unknown) => void;

  constructor(storage: Storage, onSubscriberError: (err: unknown) => void = () => {}) {
    this.storage = storage;
    this.onSubscriberError = onSubscriberError;
    storage.onCommit((events) => this.publish(events));
  }

  /** Appends and waits for the commit: a barrier, since writes commit in the order they were queued. */
  append(...events: NewEvent[]): Promise<StoredEvent[]> {
    return this.storage.appendEvents(stamped(events));
  }

  /**
   * Appends without waiting for the commit, for events nothing waits on (step progress). They still commit in
   * order, before any later write, and storage faults are waited out in the committer; a write that fails for
   * another reason is a bug, reported through the error callback.
   */
  emit(...events: NewEvent[]): void {
    this.storage.emitEvents(stamped(events), this.onSubscriberError);
  }

  private publish(events: StoredEvent[]): void {
    for (const s of this.subscribers) {
      try {
        s(events);
      } catch (err) {
        this.onSubscriberError(err);
      }
    }
  }

  subscribe(fn: EventSubscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
