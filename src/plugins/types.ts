/**
 * Plugin seams. Each plugin is one file exporting one of these descriptors; src/plugins/index.ts lists them.
 * Plugins never touch storage or listeners: they emit events through the context the runner gives them.
 */
import type { JobId, Target } from "../api/types.js";

/** Step parameters as the descriptor writes them: every value is a list. */
export type StepParameters = Record<string, unknown[]>;

/** A step as written in a test (`name`, `label`, `parameters`). */
export interface StepDescriptor {
  name: string;
  label: string;
  parameters: StepParameters;
}

export interface PluginContext {
  /** Directory relative paths (CSV files, URIs, cmd dir) are resolved from: the server's working directory. */
  cwd: string;
}

export interface TargetManager {
  kind: "targetmanager";
  name: string;
  /** Throws an OrdoError naming `field` when the parameters are unusable. */
  validateAcquire(params: Record<string, unknown>, field: string, ctx: PluginContext): void;
  /** May answer synchronously (targets written in the descriptor): then no timeout is needed. */
  acquire(
    params: Record<string, unknown>,
    ctx: PluginContext & { jobId: JobId; signal: AbortSignal },
  ): Target[] | Promise<Target[]>;
  release?(targets: Target[], params: Record<string, unknown>, ctx: PluginContext): Promise<void>;
}

export interface FetchedTest {
  testName: string;
  steps: unknown;
}

export interface TestFetcher {
  kind: "testfetcher";
  name: string;
  /** Returns the test's name and raw steps; throws an OrdoError naming `field` on failure. */
  fetch(params: Record<string, unknown>, field: string, ctx: PluginContext): Promise<FetchedTest>;
}

export interface StepContext extends PluginContext {
  jobId: JobId;
  runId: number;
  testName: string;
  testAttempt: number;
  label: string;
  target: Target;
  params: StepParameters;
  /** Aborted when the job is cancelled: stop at once. */
  signal: AbortSignal;
  /**
   * Aborted when the job is being paused. A pausable step throws `new StepPaused(state)` with what it needs to
   * continue; other steps may ignore it and finish (the pause waits for them, up to the pause timeout).
   */
  pauseSignal: AbortSignal;
  /** The state a pausable step saved when it was paused, when the job resumes inside this step. */
  resumeState: unknown;
  /** Expands Go-style templates (`{{ .FQDN }}`, `{{ StringVar "label.name" }}`) for this target. */
  expand(text: string): string;
  /** Emits one of the step's declared events for this target. */
  emit(eventName: string, payload?: unknown): Promise<void>;
  /** Makes a value available to later steps as `StringVar "<label>.<name>"`. */
  setVariable(name: string, value: unknown): Promise<void>;
}

/** Thrown by a pausable step when the job pauses; `state` is stored and handed back on resume. */
export class StepPaused extends Error {
  readonly state: unknown;
  constructor(state: unknown) {
    super("step paused");
    this.name = "StepPaused";
    this.state = state;
  }
}

export interface Step {
  kind: "step";
  name: string;
  /** The step saves its state on pause (see StepPaused) instead of running to its end. */
  pausable?: boolean;
  /** Event names the step may emit; the registry rejects any other. */
  events: readonly string[];
  /** Throws an OrdoError naming `field` when the parameters are unusable. */
  validate(params: StepParameters, field: string, ctx: PluginContext): void;
  /** Runs the step for one target; throwing marks the target failed for this step (TargetErr). */
  run(ctx: StepContext): Promise<void>;
}

/** What a run reporter sees: each target's outcome in each test of the run (its last attempt). */
export interface RunOutcome {
  jobId: JobId;
  runId: number;
  tests: { testName: string; attempt: number; targets: { target: Target; error: string | null }[] }[];
}

export interface ReportResult {
  success: boolean;
  data: unknown;
}

export interface Reporter {
  kind: "reporter";
  name: string;
  validate(params: Record<string, unknown>, field: string): void;
  runReport(params: Record<string, unknown>, run: RunOutcome): ReportResult;
  finalReport(params: Record<string, unknown>, runReports: ReportResult[][]): ReportResult;
}

export type Plugin = TargetManager | TestFetcher | Step | Reporter;
