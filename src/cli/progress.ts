/** The single updating line `start --wait` shows on a terminal: state, elapsed time, run, test, step, targets. */
import type { JobId, TestEvent } from "../api/types.js";
import { formatDuration, shortState, truncate } from "./output.js";

const REDRAW_MS = 100;
const TICK_MS = 1000;

export class ProgressLine {
  private readonly jobId: JobId;
  private readonly out: NodeJS.WriteStream;
  private readonly since = Date.now();
  private state = "JobStateStarted";
  private run = 0;
  private test = "";
  private step = "";
  private passed = 0;
  private failed = 0;
  private events = 0;
  private lastDraw = 0;
  // Redraws even when no event comes (a long sleep step), so the elapsed time keeps moving.
  private readonly ticker: NodeJS.Timeout;

  constructor(jobId: JobId, out: NodeJS.WriteStream) {
    this.jobId = jobId;
    this.out = out;
    this.ticker = setInterval(() => this.draw(), TICK_MS);
    this.ticker.unref();
    this.draw();
  }

  update(e: TestEvent): void {
    this.events++;
    if (e.EventName.startsWith("JobState")) this.state = e.EventName;
    if (e.EventName === "RunStarted") {
      this.run = e.RunID;
      this.passed = 0;
      this.failed = 0;
    }
    if (e.TestName !== "") this.test = e.TestName;
    if (e.TestStepLabel !== "") this.step = e.TestStepLabel;
    if (e.EventName === "TargetOut") this.passed++;
    if (e.EventName === "TargetErr") this.failed++;
    if (Date.now() - this.lastDraw >= REDRAW_MS) this.draw();
  }

  /** The line as it stands (without the terminal codes). */
  text(now = Date.now()): string {
    const parts = [`job ${this.jobId} ${shortState(this.state)}`, formatDuration(now - this.since)];
    if (this.run > 0) parts.push(`run ${this.run}`);
    if (this.test) parts.push(`test ${JSON.stringify(this.test)}`);
    if (this.step) parts.push(`step ${this.step}`);
    parts.push(`target steps ${this.passed} passed ${this.failed} failed`, `${this.events} events`);
    return parts.join(" · ");
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const width = this.out.columns > 10 ? this.out.columns - 1 : 120;
    this.out.write(`\r\x1b[K${truncate(this.text(this.lastDraw), width)}`);
  }

  /** Clears the line so the final summary starts on a clean one. */
  stop(): void {
    clearInterval(this.ticker);
    this.out.write("\r\x1b[K");
  }
}
