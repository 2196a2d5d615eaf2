/** What `start --wait` and `watch` do once they have a job ID: follow it, show it, print how it ended. */
import type { JobId, JobStatus } from "../api/types.js";
import { EXIT_FAILURE, EXIT_OK } from "./client/errors.js";
import type { ClientContext } from "./client/options.js";
import { formatEvent, printJson, printLine } from "./output.js";
import { ProgressLine } from "./progress.js";
import { finalSummary } from "./status-view.js";
import { followJob } from "./watch.js";

export type FollowMode =
  /** Every event on stdout as it happens. */
  | "events"
  /** Only the outcome; an updating progress line on stderr when it is a terminal. */
  | "quiet";

/** Exit code of a followed job: 0 only when it completed. */
export function exitCodeFor(s: JobStatus): number {
  return s.State === "JobStateCompleted" ? EXIT_OK : EXIT_FAILURE;
}

export async function followAndReport(ctx: ClientContext, jobId: JobId, mode: FollowMode): Promise<number> {
  const progress =
    mode === "quiet" && !ctx.json && process.stderr.isTTY ? new ProgressLine(jobId, process.stderr) : null;
  let final: JobStatus;
  try {
    final = await followJob(ctx.transport, jobId, {
      onEvent: (e) => {
        if (mode === "events") {
          if (ctx.json) printJson(e);
          else printLine(formatEvent(e));
        }
        progress?.update(e);
      },
    });
  } finally {
    progress?.stop();
  }
  if (ctx.json) printJson(final);
  else for (const line of finalSummary(final)) printLine(line);
  return exitCodeFor(final);
}
