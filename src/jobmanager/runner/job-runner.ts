/**
 * Runs one job: runs x tests x attempts, run reporters after each run, final reporters after a normal end.
 * Job state changes are events (JobStateStarted, JobStateCompleted...), so the log and the job row agree.
 */
import type { JobId } from "../../api/types.js";
import { sleep } from "../../plugins/params.js";
import type { PluginRegistry } from "../../plugins/registry.js";
import type { ReportResult, RunOutcome } from "../../plugins/types.js";
import type { Storage } from "../../storage/storage.js";
import type { ResolvedJob } from "../descriptor.js";
import type { EventSink } from "./event-sink.js";
import { interruption, JobInterrupted } from "./stop-reason.js";
import { runTestAttempt } from "./test-runner.js";

export interface JobRunnerDeps {
  storage: Storage;
  sink: EventSink;
  registry: PluginRegistry;
  cwd: string;
  lockTtlMs: number;
}

/** The lifecycle of one runner; every change goes through `setState`. */
export type RunnerState = "created" | "running" | "stopping" | "done";

export class JobRunner {
  readonly jobId: JobId;
  private readonly job: ResolvedJob;
  private readonly deps: JobRunnerDeps;
  private readonly controller = new AbortController();
  private state: RunnerState = "created";
  /** Settles when the runner has finished (whatever the outcome). */
  done: Promise<void> = Promise.resolve();

  constructor(jobId: JobId, job: ResolvedJob, deps: JobRunnerDeps) {
    this.jobId = jobId;
    this.job = job;
    this.deps = deps;
  }

  get runnerState(): RunnerState {
    return this.state;
  }

  start(): Promise<void> {
    this.state = "running";
    this.done = this.run().finally(() => {
      this.state = "done";
    });
    return this.done;
  }

  /** Interrupts the job; the runner unwinds, releases its targets, and records the final state. */
  interrupt(mode: "cancel" | "pause", message: string): void {
    if (this.state !== "running") return;
    this.state = "stopping";
    this.controller.abort(new JobInterrupted(mode, message));
  }

  private jobEvent(eventName: string, payload?: unknown) {
    return this.deps.sink.append({ entityType: "job", operation: "update", eventName, jobId: this.jobId, payload });
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    try {
      await this.jobEvent("JobStateStarted");
      const runReports: ReportResult[][] = [];
      for (let runId = 1; this.job.runs === 0 || runId <= this.job.runs; runId++) {
        if (runId > 1 && this.job.runIntervalMs > 0) await sleep(this.job.runIntervalMs, signal);
        if (signal.aborted) throw signal.reason;
        runReports.push(await this.runOnce(runId, signal));
      }
      await this.finalReports(runReports);
      await this.jobEvent("JobStateCompleted");
    } catch (err) {
      const stop = interruption(signal);
      if (stop?.mode === "cancel") await this.jobEvent("JobStateCancelled", { Reason: stop.message });
      else if (stop?.mode === "pause") await this.jobEvent("JobStatePaused", { Reason: stop.message });
      else await this.jobEvent("JobStateFailed", { Error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async runOnce(runId: number, signal: AbortSignal): Promise<ReportResult[]> {
    await this.deps.sink.append({
      entityType: "run",
      operation: "create",
      eventName: "RunStarted",
      jobId: this.jobId,
      runId,
    });
    const outcome: RunOutcome = { jobId: this.jobId, runId, tests: [] };
    for (const test of this.job.tests) {
      for (let attempt = 0; ; attempt++) {
        const at = { jobId: this.jobId, runId, testName: test.testName, testAttempt: attempt };
        const targets = await runTestAttempt(
          test,
          this.deps.registry,
          {
            ...this.deps,
            signal,
            acquireTimeoutMs: this.job.acquireTimeoutMs,
            releaseTimeoutMs: this.job.releaseTimeoutMs,
          },
          at,
        );
        const failed = targets.some((t) => t.error !== null);
        if (!failed || attempt >= test.numRetries) {
          outcome.tests.push({ testName: test.testName, attempt, targets });
          break;
        }
        if (test.retryIntervalMs > 0) await sleep(test.retryIntervalMs, signal);
      }
    }
    await this.deps.sink.append({
      entityType: "run",
      operation: "update",
      eventName: "RunEnded",
      jobId: this.jobId,
      runId,
    });
    const results: ReportResult[] = [];
    for (const r of this.job.runReporters) {
      const plugin = this.deps.registry.reporter(r.name);
      if (!plugin) throw new Error(`reporter "${r.name}" is not registered`);
      const result = plugin.runReport(r.parameters, outcome);
      await this.addReport(runId, r.name, result);
      results.push(result);
    }
    return results;
  }

  private async finalReports(runReports: ReportResult[][]): Promise<void> {
    for (const r of this.job.finalReporters) {
      const plugin = this.deps.registry.reporter(r.name);
      if (!plugin) throw new Error(`reporter "${r.name}" is not registered`);
      await this.addReport(0, r.name, plugin.finalReport(r.parameters, runReports));
    }
  }

  private async addReport(runId: number, reporterName: string, result: ReportResult): Promise<void> {
    await this.deps.storage.addReport({
      jobId: this.jobId,
      runId,
      reporterName,
      success: result.success,
      data: result.data,
    });
  }
}
