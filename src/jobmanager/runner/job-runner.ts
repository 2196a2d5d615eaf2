/**
 * Runs one job: runs x tests x attempts, run reporters after each run, final reporters after a normal end.
 * Job state changes are events (JobStateStarted, JobStateCompleted...), so the log and the job row agree.
 * A pause stops the job where it is and stores a ResumeState with the JobStatePaused event; `start(resume)`
 * continues from one.
 */
import type { JobId } from "../../api/types.js";
import { sleep } from "../../plugins/params.js";
import type { PluginRegistry } from "../../plugins/registry.js";
import type { RunOutcome } from "../../plugins/types.js";
import type { Storage } from "../../storage/storage.js";
import type { ResolvedJob } from "../descriptor.js";
import { buildReport } from "../report.js";
import type { EventSink } from "./event-sink.js";
import { runOutcome } from "./outcomes.js";
import { RESUME_STATE_VERSION, type ResumeState } from "./resume-state.js";
import { interruption, JobInterrupted } from "./stop-reason.js";
import { AttemptPaused, runTestAttempt } from "./test-runner.js";

export interface JobRunnerDeps {
  storage: Storage;
  sink: EventSink;
  registry: PluginRegistry;
  cwd: string;
  lockTtlMs: number;
}

/** The lifecycle of one runner. */
export type RunnerState = "created" | "running" | "pausing" | "cancelling" | "done";

/** Thrown inside the runner when it has stopped for a pause at `state`. */
class JobPaused extends Error {
  readonly state: ResumeState;
  constructor(state: ResumeState) {
    super("job paused");
    this.state = state;
  }
}

export class JobRunner {
  readonly jobId: JobId;
  private readonly job: ResolvedJob;
  private readonly deps: JobRunnerDeps;
  private readonly cancel = new AbortController();
  private readonly pause = new AbortController();
  /** Aborted by either a pause or a cancel: what waits (targets, intervals) listens to this one signal. */
  private readonly halt = new AbortController();
  /** Recovered or resumed: reports of the run it continues may already exist. */
  private resumed = false;
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

  /** Starts the job, or continues it from a resume state; `note` is recorded with JobStateStarted. */
  start(resume?: ResumeState, note?: Record<string, unknown>): Promise<void> {
    this.state = "running";
    this.resumed = resume !== undefined || note !== undefined;
    this.done = this.run(resume, note).finally(() => {
      this.state = "done";
    });
    return this.done;
  }

  /** Cancel: running steps are killed, targets released, JobStateCancelled recorded. Also escalates a pause. */
  interrupt(mode: "cancel" | "pause", message: string): void {
    if (this.state === "done" || this.state === "created") return;
    if (mode === "pause") {
      if (this.state !== "running") return;
      this.state = "pausing";
      this.pause.abort(new JobInterrupted("pause", message));
      this.halt.abort(this.pause.signal.reason);
      return;
    }
    if (this.state === "cancelling") return;
    this.state = "cancelling";
    this.cancel.abort(new JobInterrupted("cancel", message));
    if (!this.halt.signal.aborted) this.halt.abort(this.cancel.signal.reason);
  }

  private jobEventOf(eventName: string, payload?: unknown) {
    return { entityType: "job" as const, operation: "update" as const, eventName, jobId: this.jobId, payload };
  }

  private jobEvent(eventName: string, payload?: unknown) {
    return this.deps.sink.append(this.jobEventOf(eventName, payload));
  }

  private async run(resume: ResumeState | undefined, note: Record<string, unknown> | undefined): Promise<void> {
    try {
      this.deps.sink.emit(
        this.jobEventOf("JobStateStarted", resume ? { Resumed: true, RunID: resume.runId, ...note } : note),
      );
      for (let runId = resume?.runId ?? 1; this.job.runs === 0 || runId <= this.job.runs; runId++) {
        const here = resume?.runId === runId ? resume : undefined;
        if (!here || here.phase === "run-interval") {
          const interval = runId > 1 ? this.job.runIntervalMs : 0;
          const until = here?.waitUntil ?? Date.now() + interval;
          await this.waitUntil(until, {
            version: RESUME_STATE_VERSION,
            runId,
            testIndex: 0,
            attempt: 0,
            phase: "run-interval",
            waitUntil: until,
          });
          this.deps.sink.emit({
            entityType: "run",
            operation: "create",
            eventName: "RunStarted",
            jobId: this.jobId,
            runId,
          });
        }
        const tested = await this.runTests(runId, here?.phase === "run-interval" ? undefined : here);
        const runEnded = {
          entityType: "run" as const,
          operation: "update" as const,
          eventName: "RunEnded",
          jobId: this.jobId,
          runId,
        };
        if (this.resumed) {
          // Part of this run may have happened in an earlier process: judge it on what is stored.
          await this.deps.sink.append(runEnded);
          await this.runReports(runId, await runOutcome(this.deps.storage, this.jobId, runId, this.job));
        } else {
          // This runner saw the whole run: judge it on what it saw (the reports commit after RunEnded).
          this.deps.sink.emit(runEnded);
          await this.runReports(runId, { jobId: this.jobId, runId, tests: tested });
        }
      }
      await this.finalReports();
      await this.jobEvent("JobStateCompleted");
    } catch (err) {
      await this.recordEnd(err);
    }
  }

  private async recordEnd(err: unknown): Promise<void> {
    const stop = interruption(this.cancel.signal);
    if (stop) await this.jobEvent("JobStateCancelled", { Reason: stop.message });
    else if (err instanceof JobPaused) {
      const reason = interruption(this.pause.signal)?.message ?? "paused";
      await this.deps.storage.pauseJob(this.jobId, err.state, { Reason: reason, RunID: err.state.runId });
    } else await this.jobEvent("JobStateFailed", { Error: err instanceof Error ? err.message : String(err) });
  }

  /** Sleeps until `until`; a pause during the wait stops the job with `state`, a cancel aborts it. */
  private async waitUntil(until: number, state: ResumeState): Promise<void> {
    if (this.pause.signal.aborted) throw new JobPaused(state);
    const ms = until - Date.now();
    if (ms <= 0) {
      // Nothing to wait for (the first run, no interval): no timer.
      if (this.cancel.signal.aborted) throw this.cancel.signal.reason;
      return;
    }
    try {
      await sleep(ms, this.halt.signal);
    } catch (err) {
      if (!this.cancel.signal.aborted && this.pause.signal.aborted) throw new JobPaused(state);
      throw err;
    }
  }

  /** Runs the tests of a run (or the rest of them); returns each test's last attempt as this runner saw it. */
  private async runTests(runId: number, resume: ResumeState | undefined): Promise<RunOutcome["tests"]> {
    const tested: RunOutcome["tests"] = [];
    const deps = {
      ...this.deps,
      signal: this.cancel.signal,
      pauseSignal: this.pause.signal,
      haltSignal: this.halt.signal,
      acquireTimeoutMs: this.job.acquireTimeoutMs,
      releaseTimeoutMs: this.job.releaseTimeoutMs,
    };
    for (let testIndex = resume?.testIndex ?? 0; testIndex < this.job.tests.length; testIndex++) {
      const test = this.job.tests[testIndex] as (typeof this.job.tests)[number];
      const here = resume?.testIndex === testIndex ? resume : undefined;
      for (let attempt = here?.attempt ?? 0; ; attempt++) {
        const state: ResumeState = { version: RESUME_STATE_VERSION, runId, testIndex, attempt, phase: "attempt" };
        const resumed = here?.attempt === attempt ? here : undefined;
        if (resumed?.phase === "retry-interval") await this.waitUntil(resumed.waitUntil ?? 0, resumed);
        if (this.pause.signal.aborted) throw new JobPaused(state);
        const at = { jobId: this.jobId, runId, testName: test.testName, testAttempt: attempt };
        let targets: Awaited<ReturnType<typeof runTestAttempt>>;
        try {
          targets = await runTestAttempt(
            test,
            deps,
            at,
            resumed?.phase === "attempt" ? resumed.attemptState : undefined,
            resumed?.phase === "attempt" && resumed.attemptStarted === true,
          );
        } catch (err) {
          if (err instanceof AttemptPaused)
            throw new JobPaused({
              ...state,
              ...(err.state ? { attemptState: err.state } : {}),
              ...(err.started ? { attemptStarted: true } : {}),
            });
          throw err;
        }
        if (!targets.some((t) => t.error !== null) || attempt >= test.numRetries) {
          tested.push({ testName: test.testName, attempt, targets });
          break;
        }
        const until = Date.now() + test.retryIntervalMs;
        await this.waitUntil(until, { ...state, attempt: attempt + 1, phase: "retry-interval", waitUntil: until });
      }
    }
    return tested;
  }

  /** Reporters that already reported for this run: a job recovered after a crash does not report twice. */
  private async reported(runId: number): Promise<Set<string>> {
    if (!this.resumed) return new Set(); // a fresh runner: nothing of this job was reported yet
    const reports = await this.deps.storage.getReports(this.jobId);
    return new Set(reports.filter((r) => r.RunID === runId).map((r) => r.ReporterName));
  }

  private async runReports(runId: number, outcome: RunOutcome): Promise<void> {
    const done = await this.reported(runId);
    for (const r of this.job.runReporters) {
      if (done.has(r.name)) continue;
      const plugin = this.deps.registry.reporter(r.name);
      if (!plugin) throw new Error(`reporter "${r.name}" is not registered`);
      const result = plugin.runReport(r.parameters, outcome);
      await this.deps.storage.addReport({ jobId: this.jobId, runId, reporterName: r.name, ...result });
    }
  }

  private async finalReports(): Promise<void> {
    if (this.job.finalReporters.length === 0) return;
    // One read gives both what the final reporters judge and which of them already reported (crash recovery).
    const report = await buildReport(this.deps.storage, this.jobId);
    const runReports = report.RunReports.map((run) => run.map((r) => ({ success: r.Success, data: r.Data })));
    const done = new Set(report.FinalReports.map((r) => r.ReporterName));
    for (const r of this.job.finalReporters) {
      if (done.has(r.name)) continue;
      const plugin = this.deps.registry.reporter(r.name);
      if (!plugin) throw new Error(`reporter "${r.name}" is not registered`);
      const result = plugin.finalReport(r.parameters, runReports);
      await this.deps.storage.addReport({ jobId: this.jobId, runId: 0, reporterName: r.name, ...result });
    }
  }
}
