/**
 * Applies the event log's retention limits on a timer: each round removes batches of entries past the configured
 * age or count until none is due. Readers behind what it removed get ORDO_ERR_CURSOR_TOO_OLD (see log reads).
 */
import type { JobRetentionLimits, RetentionLimits, Storage } from "../storage/storage.js";

export interface RetentionOptions extends RetentionLimits {
  /** Finished jobs: removed past these limits (null = kept). */
  jobs?: JobRetentionLimits;
  intervalMs: number;
  log?: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export type RetentionState = "idle" | "running" | "closed";

export class RetentionTimer {
  private readonly storage: Storage;
  private readonly opts: RetentionOptions;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private state: RetentionState = "idle";

  constructor(storage: Storage, opts: RetentionOptions) {
    this.storage = storage;
    this.opts = opts;
  }

  /** True when there is a limit to apply. */
  get enabled(): boolean {
    const jobs = this.opts.jobs;
    return (
      this.opts.maxAgeMs !== null ||
      this.opts.maxEvents !== null ||
      (jobs !== undefined && (jobs.maxAgeMs !== null || jobs.maxJobs !== null))
    );
  }

  start(): void {
    if (this.state !== "idle" || !this.enabled) return;
    this.state = "running";
    const tick = () => {
      this.round = this.runOnce().then(
        () => {},
        (err: unknown) => this.opts.log?.warn({ err }, "event retention failed"),
      );
      this.round.finally(() => {
        if (this.state === "running") this.timer = setTimeout(tick, this.opts.intervalMs).unref();
      });
    };
    tick();
  }

  /** One round: removes due entries a batch at a time; resolves with how many were removed. */
  async runOnce(): Promise<number> {
    let removed = 0;
    const limits = { maxAgeMs: this.opts.maxAgeMs, maxEvents: this.opts.maxEvents };
    for (;;) {
      if (limits.maxAgeMs === null && limits.maxEvents === null) break;
      const res = await this.storage.pruneEvents(limits);
      removed += res.deleted;
      if (!res.more || this.state === "closed") break;
    }
    if (removed > 0) this.opts.log?.info({ removed }, "event retention removed old entries");
    const jobs = this.opts.jobs;
    if (jobs && (jobs.maxAgeMs !== null || jobs.maxJobs !== null)) {
      let removedJobs = 0;
      for (;;) {
        const res = await this.storage.pruneJobs(jobs);
        removedJobs += res.deleted;
        if (!res.more || this.state === "closed") break;
      }
      if (removedJobs > 0) this.opts.log?.info({ removedJobs }, "job retention removed finished jobs");
    }
    return removed;
  }

  async close(): Promise<void> {
    this.state = "closed";
    clearTimeout(this.timer);
    await this.round;
  }
}
