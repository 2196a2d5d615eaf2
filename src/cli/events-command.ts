/**
 * `ordo events`: follows the server's event log live over its WebSocket, one line per event (or the wire JSON with
 * --json), resuming by itself when the connection drops; `ordo events forward --to grpc://host:port` forwards the
 * log to another server's EventService (see events-forward.ts). Filters: --filter ENTITY[:OP,OP] (ENTITY may be *),
 * or a GARM filter as JSON; --job limits to jobs; --from-seq resumes after a sequence number.
 */
import type { Command, CommanderError } from "commander";
import type { WireEvent } from "../events/wire.js";
import { ClientError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, usageError } from "./client/errors.js";
import { addGlobalOptions, type GlobalOptions, parseJobIdArg } from "./client/options.js";
import { forwardEvents } from "./events-forward.js";
import { followSocket } from "./events-socket.js";

interface EventsOptions extends GlobalOptions {
  job: string[];
  filter: string[];
  fromSeq?: string;
}

interface ForwardOptions extends GlobalOptions {
  to: string;
  source?: string;
  dataDir: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function parseSeq(text: string, flag = "--from-seq"): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw usageError(`${flag} must be a sequence number, not "${text}"`);
  return Number(text.trim());
}

/** One --filter spec: "job", "job:create,update", "*:delete". */
function clause(spec: string): Record<string, unknown> {
  const [entity = "", ops] = spec.split(":", 2);
  const c: Record<string, unknown> = {};
  if (entity !== "*" && entity !== "") c["entity-type"] = entity.trim();
  if (ops) c.operations = ops.split(",").map((o) => o.trim());
  return c;
}

/** The filter message the options describe (without from-seq). */
export function filterMessage(filters: string[], jobs: string[]): Record<string, unknown> {
  const jobIds = jobs.flatMap((j) => j.split(",")).map((j) => parseJobIdArg(j));
  const json = filters.find((f) => f.trim().startsWith("{"));
  if (json !== undefined) {
    if (filters.length > 1 || jobIds.length > 0) throw usageError("a JSON --filter cannot be combined with others");
    try {
      const msg = JSON.parse(json) as Record<string, unknown>;
      delete msg["from-seq"];
      return msg;
    } catch {
      throw usageError("--filter: not valid JSON");
    }
  }
  if (filters.length === 0 && jobIds.length === 0) return { "send-everything": true };
  const clauses = filters.length > 0 ? filters.map(clause) : [{}];
  return { filters: jobIds.length > 0 ? clauses.map((c) => ({ ...c, "job-ids": jobIds })) : clauses };
}

export function eventLine(e: WireEvent): string {
  const where = [
    e["job-id"] !== undefined ? `job=${e["job-id"]}` : "",
    e["run-id"] !== undefined ? `run=${e["run-id"]}` : "",
    e["test-name"] !== undefined ? `test=${e["test-name"]}` : "",
    e["step-label"] !== undefined ? `step=${e["step-label"]}` : "",
    e.target ? `target=${e.target.ID}` : "",
  ].filter((s) => s !== "");
  const payload = e.payload === null ? "" : JSON.stringify(e.payload);
  return [`#${e.seq}`, e.time, `${e["entity-type"]}/${e.operation}`, e["event-name"], ...where, payload]
    .filter((s) => s !== "")
    .join(" ");
}

/** Runs until SIGINT/SIGTERM; turns failures into `error: ...` and an exit code. */
async function run(action: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await action(abort.signal);
    process.exitCode = EXIT_OK;
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof ClientError ? err.exitCode : EXIT_FAILURE;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

function usageExits(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
  });
}

export function registerEventsCommand(program: Command): void {
  const events = usageExits(
    addGlobalOptions(program.command("events").description("follow the event log live (WebSocket); see also forward")),
  )
    .option("--job <id>", "only this job's events (repeatable, or comma-separated)", collect, [])
    .option("--filter <spec>", "ENTITY[:OP,OP] (ENTITY may be *), or a JSON GARM filter (repeatable)", collect, [])
    .option("--from-seq <n>", "resume after this sequence number (default: from now)")
    .action(async (opts: EventsOptions) => {
      await run(async (signal) => {
        const fromSeq = opts.fromSeq === undefined ? undefined : parseSeq(opts.fromSeq);
        await followSocket({
          addr: opts.addr,
          filter: filterMessage(opts.filter, opts.job),
          fromSeq,
          requestor: opts.requestor,
          signal,
          onEvent: (e) => {
            process.stdout.write(`${opts.json ? JSON.stringify(e) : eventLine(e)}\n`);
          },
          onReconnect: (after, reason) =>
            process.stderr.write(`connection lost (${reason}); resuming after seq ${after ?? "now"}\n`),
        });
      });
    });

  usageExits(events.command("forward"))
    .description("forward the event log to another server's EventService, resuming where it left off")
    .requiredOption("--to <url>", "the receiving server: grpc://host:port")
    .option("--source <name>", "the name this log has there (default: this server's ID)")
    .option("--data-dir <dir>", "where the forwarding cursor is kept", "./data")
    .action(async (_opts: ForwardOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ForwardOptions>();
      await run((signal) =>
        forwardEvents({
          addr: opts.addr,
          to: opts.to,
          source: opts.source,
          dataDir: opts.dataDir,
          requestor: opts.requestor,
          signal,
          log: (line) => process.stderr.write(`${line}\n`),
        }),
      );
    });
}
