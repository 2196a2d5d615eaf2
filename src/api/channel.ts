/**
 * A bounded, in-process channel between the Api and the JobManager (ConTest's events channel).
 * `send` waits for room; `receive` waits for an item. Waiting senders can give up through an AbortSignal.
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private readonly senders: { item: T; resolve: () => void }[] = [];
  private receivers: ((item: T | undefined) => void)[] = [];
  private closed = false;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Puts the item in the channel if there is room now; false when the caller must `send` and wait. */
  trySend(item: T): boolean {
    if (this.closed) return false;
    const receiver = this.receivers.shift();
    if (receiver) {
      receiver(item);
      return true;
    }
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return true;
    }
    return false;
  }

  /** Resolves once the item is in the channel; rejects with the signal's reason if it gives up first. */
  send(item: T, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new Error("channel closed"));
    if (this.trySend(item)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { item, resolve };
      this.senders.push(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.senders.indexOf(waiter);
          if (i >= 0) {
            this.senders.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
    });
  }

  /** The next item, or undefined once the channel is closed and drained. */
  receive(): Promise<T | undefined> {
    const item = this.items.shift();
    if (item !== undefined) {
      const sender = this.senders.shift();
      if (sender) {
        this.items.push(sender.item);
        sender.resolve();
      }
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.receivers.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const r of this.receivers) r(undefined);
    this.receivers = [];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get length(): number {
    return this.items.length + this.senders.length;
  }
}
