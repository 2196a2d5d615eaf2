/**
 * Client commands (start, stop, status, retry, list, version, watch): talk to a running server through a
 * ClientTransport chosen by --addr. Flags follow ConTest's contestcli. Exit codes: 0 ok, 1 failure (or a
 * followed job that did not complete), 2 bad input (including the server's 4xx replies).
 */
import type { Command, CommanderError } from "commander";
import { API_VERSION } from "../api/types.js";
import { listValues } from "../util/list-values.js";
import { ClientError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./client/errors.js";
import {
  addGlobalOptions,
  type ClientContext,
  clientContext,
  type GlobalOptions,
  normalizeState,
  parseJobIdArg,
} from "./client/options.js";
import { followAndReport } from "./follow.js";
import { exitQuietlyOnClosedStdout, jobTable, printJson, printLine } from "./output.js";
import { type StartOptions, startJob, startOptions } from "./start-command.js";
import { statusView } from "./status-view.js";

type Action<O> = (ctx: ClientContext, args: string[], opts: O) => Promise<number | undefined>;

/** Runs an action with its context, turning any failure into `error: ...` on stderr and an exit code. */
function run<O extends GlobalOptions>(action: Action<O>): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const cmd = args.at(-1) as Command;
    const opts = cmd.opts<O>();
    exitQuietlyOnClosedStdout();
    try {
      process.exitCode = (await action(clientContext(opts), cmd.args, opts)) ?? EXIT_OK;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = err instanceof ClientError ? err.exitCode : EXIT_FAILURE;
    }
  };
}

/** A client subcommand: the shared options, and usage errors exit 2 like other input errors. */
function client(program: Command, name: string, description: string): Command {
  const cmd = program.command(name).description(description);
  cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
  });
  return addGlobalOptions(cmd);
}

function jobIdOf(args: string[]): number {
  return parseJobIdArg(args[0] ?? "");
}

export function registerClientCommands(program: Command): void {
  startOptions(client(program, "start", "submit a job descriptor (JSON or YAML) from a file or stdin")).action(
    run<StartOptions>(startJob),
  );

  client(program, "stop", "stop (cancel) a running job")
    .argument("<jobID>", "job ID")
    .action(
      run(async (ctx, args) => {
        const res = await ctx.transport.stop(jobIdOf(args));
        if (ctx.json) printJson(res);
        else printLine(`job ${res.JobID} stop requested`);
        return EXIT_OK;
      }),
    );

  client(program, "status", "show a job's state, per run/test/step target counts and reports")
    .argument("<jobID>", "job ID")
    .action(
      run(async (ctx, args) => {
        const status = await ctx.transport.status(jobIdOf(args));
        if (ctx.json) printJson(status);
        else for (const line of statusView(status)) printLine(line);
        return EXIT_OK;
      }),
    );

  client(program, "retry", "run a finished job again as a new job")
    .argument("<jobID>", "job ID")
    .action(
      run(async (ctx, args) => {
        const res = await ctx.transport.retry(jobIdOf(args));
        if (ctx.json) printJson(res);
        else printLine(`job ${res.JobID} retried as job ${res.NewJobID}`);
        return EXIT_OK;
      }),
    );

  client(program, "list", "list jobs, oldest first")
    .option("--states <state...>", "jobs in any of these states (repeatable or comma-separated; e.g. Completed)")
    .option("--tags <tag...>", "jobs with all of these tags (repeatable or comma-separated)")
    .action(
      run<GlobalOptions & { states?: string[]; tags?: string[] }>(async (ctx, _args, opts) => {
        const jobs = await ctx.transport.list({
          states: listValues(opts.states).map(normalizeState),
          tags: listValues(opts.tags),
        });
        if (ctx.json) printJson({ jobs });
        else printLine(jobs.length === 0 ? "no jobs" : jobTable(jobs));
        return EXIT_OK;
      }),
    );

  client(program, "version", "show the server's API version").action(
    run(async (ctx) => {
      const res = await ctx.transport.version();
      if (ctx.json) printJson(res);
      else printLine(`server ${res.ServerID}: API version ${res.Version} (client: API version ${API_VERSION})`);
      return EXIT_OK;
    }),
  );

  client(program, "watch", "follow a job's events until it ends (exit 0 only if it completed)")
    .argument("<jobID>", "job ID")
    .action(run(async (ctx, args) => followAndReport(ctx, jobIdOf(args), "events")));
}
