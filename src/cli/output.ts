/** Output helpers: JSON lines for machines, and the small text shapes (tables, event lines) humans read. */
import type { JobSummary, TestEvent } from "../api/types.js";

/** `ordo watch | head -3`: when the reader goes away, stop quietly instead of dying on EPIPE. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}

/** One JSON document per line, so a stream of them (watch --json) is JSON Lines. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** "JobStateCompleted" reads as "Completed" where the column already says it is a state. */
export function shortState(state: string): string {
  return state.replace(/^JobState/, "");
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Time span between two ISO times; "" when either is missing. */
export function span(from: string | null, to: string | null): string {
  if (from === null || to === null) return "";
  return formatDuration(Date.parse(to) - Date.parse(from));
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function jobTable(jobs: JobSummary[]): string {
  return table(
    ["ID", "STATE", "NAME", "TAGS"],
    jobs.map((j) => [String(j.JobID), shortState(j.State), j.Name, j.Tags.join(",")]),
  );
}

/** The gist of an event's payload: a step's output, an error, a reason; otherwise compact JSON. */
export function payloadSummary(payload: unknown, max = 200): string {
  if (payload === null || payload === undefined) return "";
  if (typeof payload !== "object") return truncate(String(payload), max);
  const p = payload as Record<string, unknown>;
  for (const key of ["Msg", "Error", "Reason", "Message", "Text"]) {
    const v = p[key];
    // Multi-line output stays on the event's one line, with the line breaks visible.
    if (typeof v === "string") return truncate(v.trimEnd().replaceAll("\r", "").replaceAll("\n", "\\n"), max);
  }
  return truncate(JSON.stringify(payload), max);
}

/** One line per event: time, where (run, test, attempt, step, target), what, and the payload's gist. */
export function formatEvent(e: TestEvent): string {
  const parts = [e.EmitTime.slice(11, 23)];
  if (e.RunID > 0) parts.push(`run=${e.RunID}`);
  if (e.TestName !== "") parts.push(`test=${JSON.stringify(e.TestName)}`, `attempt=${e.TestAttempt}`);
  if (e.TestStepLabel !== "") parts.push(`step=${e.TestStepLabel}`);
  if (e.Target) parts.push(`target=${e.Target.ID}`);
  parts.push(e.EventName);
  const gist = payloadSummary(e.Payload);
  return gist === "" ? parts.join(" ") : `${parts.join(" ")}: ${gist}`;
}
