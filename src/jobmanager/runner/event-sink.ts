/**
 * Where the runner's events go: appended to the log (with the state rows they imply) and then published to
 * in-process subscribers. Plugins reach it only through the step context.
 */
import type { NewEvent, Storage, StoredEvent } from "../../storage/storage.js";

export type EventSubscriber = (events: StoredEvent[]) => void;

export class EventSink {
  private readonly storage: Storage;
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly onSubscriberError: (err: unknown) => void;

  constructor(storage: Storage, onSubscriberError: (err: unknown) => void = () => {}) {
    this.storage = storage;
    this.onSubscriberError = onSubscriberError;
  }

  async append(...events: NewEvent[]): Promise<StoredEvent[]> {
    const stored = await this.storage.appendEvents(events);
    this.publish(stored);
    return stored;
  }

  /** For events stored by other paths (job creation, reports) that subscribers must also see. */
  publish(stored: StoredEvent[]): void {
    for (const s of this.subscribers) {
      try {
        s(stored);
      } catch (err) {
        // A failing subscriber is isolated: it never breaks the runner.
        this.onSubscriberError(err);
      }
    }
  }

  subscribe(fn: EventSubscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
