/**
 * Group commit: writes queued in the same event-loop turn run in one transaction and share one fsync.
 * One failing write does not undo its neighbours (see flush).
 */
import type Database from "better-sqlite3";

export interface CommitHooks {
  /** Runs after a batch is durably committed, before any writer's promise settles. */
  afterCommit?: () => void;
  /** Runs when a batch is rolled back (a write failed, or the commit did); nothing of it is stored. */
  onRollback?: () => void;
}

interface Outcome {
  ok: boolean;
  value: unknown;
}

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private readonly db: Database.Database;
  private readonly hooks: CommitHooks;

  constructor(db: Database.Database, hooks: CommitHooks = {}) {
    this.db = db;
    this.hooks = hooks;
  }

  /** Queues a write; resolves with its result once the batch holding it is committed. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued so far. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      // Optimistic: one transaction, no savepoints (they cost as much as the writes). If a write throws, the
      // batch is rolled back and run again with each write in its own savepoint, so only that write fails.
      outcomes = this.runBatch(batch, false) ?? (this.runBatch(batch, true) as Outcome[]);
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is stored.
      this.hooks.onRollback?.();
      for (const w of batch) w.reject(err);
      return;
    }
    this.hooks.afterCommit?.();
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.ok) w.resolve(o.value);
      else w.reject(o?.value);
    });
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
              // SQLite may roll back the whole transaction (SQLITE_FULL, I/O errors): then nothing of the batch
              // can commit, and the writes after this one must not run outside a transaction.
              if (!this.db.inTransaction) throw err;
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
}
