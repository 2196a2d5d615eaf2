/**
 * The capacity bound: at most `maxRunning` jobs run at once; the others wait in submission order. Nothing polls:
 * a job ending starts the next one.
 */
import type { JobId } from "../api/types.js";
import type { ResolvedJob } from "./descriptor.js";
import type { JobRunner } from "./runner/job-runner.js";
import type { ResumeState } from "./runner/resume-state.js";

export interface Runnable {
  jobId: JobId;
  resolved: ResolvedJob;
  resume?: ResumeState | undefined;
  note?: Record<string, unknown> | undefined;
}

export class Scheduler {
  private readonly queue: Runnable[] = [];
  private frozen = false;
  private readonly maxRunning: number;
  private readonly runners: Map<JobId, JobRunner>;
  private readonly makeRunner: (r: Runnable) => JobRunner;
  private readonly onRunnerError: (err: unknown, jobId: JobId) => void;

  constructor(opts: {
    maxRunning: number;
    runners: Map<JobId, JobRunner>;
    makeRunner: (r: Runnable) => JobRunner;
    onRunnerError: (err: unknown, jobId: JobId) => void;
  }) {
    this.maxRunning = opts.maxRunning;
    this.runners = opts.runners;
    this.makeRunner = opts.makeRunner;
    this.onRunnerError = opts.onRunnerError;
  }

  /** Runs the job now if there is room, else queues it (at the front for jobs that were already running). */
  submit(r: Runnable, front = false): void {
    if (front) this.queue.unshift(r);
    else this.queue.push(r);
    this.pump();
  }

  /** Takes a queued job out of the queue; false when it is not queued. */
  remove(jobId: JobId): boolean {
    const i = this.queue.findIndex((r) => r.jobId === jobId);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  /** 1-based place in the queue, or null when the job is not waiting. */
  position(jobId: JobId): number | null {
    const i = this.queue.findIndex((r) => r.jobId === jobId);
    return i < 0 ? null : i + 1;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Shutting down: queued jobs stay queued (they are stored) and nothing new starts. */
  freeze(): void {
    this.frozen = true;
  }

  private pump(): void {
    while (!this.frozen && this.runners.size < this.maxRunning) {
      const next = this.queue.shift();
      if (!next) return;
      const runner = this.makeRunner(next);
      this.runners.set(next.jobId, runner);
      runner
        .start(next.resume, next.note)
        .catch((err: unknown) => this.onRunnerError(err, next.jobId))
        .finally(() => {
          this.runners.delete(next.jobId);
          this.pump();
        });
    }
  }
}
