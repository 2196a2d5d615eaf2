/** `ordo start [file|-]`: submit a descriptor, optionally wait for the job to end. */
import type { Command } from "commander";
import { readDescriptor } from "./client/descriptor-input.js";
import { EXIT_OK } from "./client/errors.js";
import type { ClientContext, GlobalOptions } from "./client/options.js";
import { followAndReport } from "./follow.js";
import { printJson, printLine } from "./output.js";

export interface StartOptions extends GlobalOptions {
  yaml?: boolean;
  wait?: boolean;
}

/** Declares the command's arguments and flags (the shared ones are already there). */
export function startOptions(cmd: Command): Command {
  return cmd
    .argument("[file]", 'descriptor file; "-" or nothing reads stdin')
    .option("-Y, --yaml", "the input is YAML (default: JSON if it starts with '{', else YAML)")
    .option(
      "-w, --wait",
      "wait until the job ends; print its final state and reports; exit 0 only if it completed " +
        "(with --json: the start reply, then the final status, one JSON document per line)",
    );
}

export async function startJob(ctx: ClientContext, args: string[], opts: StartOptions): Promise<number> {
  const descriptor = await readDescriptor({ file: args[0], yaml: opts.yaml === true });
  const { JobID } = await ctx.transport.start(descriptor);
  // Printed before waiting, so a script (or a person) can stop the job meanwhile.
  if (ctx.json) printJson({ JobID });
  else printLine(`job ${JobID} started`);
  if (!opts.wait) return EXIT_OK;
  return followAndReport(ctx, JobID, "quiet");
}
