/** What the orchestrator gives each benchmark, and what a benchmark module exports. */
import type { Figure } from "./report.js";

export interface Settings {
  /** --full: the real run; otherwise the short CI-size setting. */
  full: boolean;
  durability: "full" | "normal";
  /** Where temp data directories go (their filesystem is the one whose fsync rate is printed). */
  dataRoot: string;
}

/** Figures one benchmark measures and a later one uses. */
export interface Shared {
  /** REST submissions/s of the submit benchmark (the status benchmark loads at half of it). */
  restMaxRps?: number;
}

export interface BenchContext {
  settings: Settings;
  shared: Shared;
  /** Aborted when the benchmark's time limit passes. */
  signal: AbortSignal;
  /** A fresh directory under the data root, removed after the benchmark. */
  tempDir(): string;
  /** Runs after the benchmark (also after a failure or the time limit), last registered first. */
  defer(cleanup: () => unknown): void;
  /** Adds a row to the table. */
  record(figure: Omit<Figure, "bench">): void;
  /** A line under the table (skips, failures, how a figure was taken). */
  note(text: string): void;
  /** Progress on stderr. */
  log(text: string): void;
}

export interface Benchmark {
  name: string;
  /** Time limit in seconds for the setting. */
  limitS(full: boolean): number;
  run(ctx: BenchContext): Promise<void>;
}
