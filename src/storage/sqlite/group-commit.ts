/**
 * Group commit: writes queued in the same event-loop turn run in one transaction and share one fsync, and commit
 * in the order they were queued. One failing write does not undo its neighbours (see flush). A storage fault
 * (disk full, I/O error) keeps the batch queued and retries it with backoff, so order holds and nothing is lost;
 * only `failFast` writes (submissions) are rejected at once, so their callers can say "not stored".
 */
import type Database from "better-sqlite3";

export interface CommitHooks {
  /** Runs after a batch is durably committed, before any writer's promise settles. */
  afterCommit?: () => void;
  /** Runs when a batch is rolled back (a write failed, or the commit did); nothing of it is stored. */
  onRollback?: () => void;
  /** A fault worth waiting out (the batch is retried) rather than a failure of the writes themselves. */
  isTransient?: (err: unknown) => boolean;
  /** Told of each fault being waited out. */
  onFault?: (err: unknown) => void;
}

interface Outcome {
  ok: boolean;
  value: unknown;
}

interface PendingWrite {
  run: () => unknown;
  failFast: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The most writes one transaction takes; the rest wait for the next turn, so a burst of writes never holds the
 * event loop for long (requests are served between batches) while each fsync is still shared by many writes.
 */
export const MAX_BATCH = 256;

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

export class GroupCommitter {
  private pending: PendingWrite[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private backoffMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly db: Database.Database;
  private readonly hooks: CommitHooks;

  constructor(db: Database.Database, hooks: CommitHooks = {}) {
    this.db = db;
    this.hooks = hooks;
  }

  /** Queues a write; resolves with its result once the batch holding it is committed. */
  write<T>(run: () => T, failFast = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, failFast, resolve: resolve as (v: unknown) => void, reject });
      if (this.scheduled === undefined && this.retryTimer === undefined) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = setImmediate(() => this.flush());
  }

  /** The last write queued and not yet running (a token to compare): its caller may still add to what it does. */
  last(): object | undefined {
    return this.pending.at(-1);
  }

  /** Commits the writes queued first (up to MAX_BATCH); the rest follow in the next turn. */
  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) this.schedule();
    let outcomes: Outcome[];
    try {
      // Optimistic: one transaction, no savepoints (they cost as much as the writes). If a write throws, the
      // batch is rolled back and run again with each write in its own savepoint, so only that write fails.
      outcomes = this.runBatch(batch, false) ?? (this.runBatch(batch, true) as Outcome[]);
    } catch (err) {
      this.hooks.onRollback?.();
      this.failBatch(batch, err);
      return;
    }
    this.backoffMs = 0;
    this.hooks.afterCommit?.();
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.ok) w.resolve(o.value);
      else w.reject(o?.value);
    });
  }

  /** Commits everything queued, batch after batch, unless a fault is being waited out (closing). */
  flushAll(): void {
    while (this.pending.length > 0 && this.retryTimer === undefined) this.flush();
  }

  /** Nothing of the batch is stored: wait out a transient fault (keeping order), or fail every write. */
  private failBatch(batch: PendingWrite[], err: unknown): void {
    if (!this.hooks.isTransient?.(err)) {
      for (const w of batch) w.reject(err);
      return;
    }
    this.hooks.onFault?.(err);
    for (const w of batch) if (w.failFast) w.reject(err);
    this.pending = [...batch.filter((w) => !w.failFast), ...this.pending];
    clearImmediate(this.scheduled); // the rest waits behind the batch: retried after the backoff, in order
    this.scheduled = undefined;
    this.backoffMs = Math.min(Math.max(MIN_BACKOFF_MS, this.backoffMs * 2), MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => this.flush(), this.backoffMs);
  }

  /** Runs and commits the batch; undefined when a write failed without savepoints (the batch was rolled back). */
  private runBatch(batch: PendingWrite[], isolated: boolean): Outcome[] | undefined {
    const outcomes: Outcome[] = [];
    let writeFailed = false;
    try {
      this.db
        .transaction(() => {
          for (const w of batch) {
            if (!isolated) {
              try {
                outcomes.push({ ok: true, value: w.run() });
              } catch (err) {
                writeFailed = true;
                throw err;
              }
              continue;
            }
            try {
              outcomes.push({ ok: true, value: this.db.transaction(w.run)() });
            } catch (err) {
              // SQLite may have rolled back the whole transaction (SQLITE_FULL, I/O errors), and a write that must
              // not be lost cannot fail alone: either way the batch as a whole fails (and is retried if transient).
              if (!this.db.inTransaction || (!w.failFast && this.hooks.isTransient?.(err))) throw err;
              outcomes.push({ ok: false, value: err });
            }
          }
        })
        .immediate();
    } catch (err) {
      if (!writeFailed) throw err;
      this.hooks.onRollback?.();
      return undefined;
    }
    return outcomes;
  }

  /** Stops retrying; what is still queued fails. */
  close(err: unknown): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const left = this.pending;
    this.pending = [];
    for (const w of left) w.reject(err);
  }
}
