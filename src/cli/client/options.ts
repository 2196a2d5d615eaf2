/** Options every client command takes (--addr, --requestor, --json) and parsing of the arguments they share. */
import { userInfo } from "node:os";
import { type Command, Option } from "commander";
import { JOB_STATE_NAMES, type JobId, type JobStateName } from "../../api/types.js";
import { usageError } from "./errors.js";
import { type ClientTransport, transportFor } from "./transport.js";

export const DEFAULT_ADDR = "http://127.0.0.1:8080";
const REQUESTOR_MAX = 32;

export interface GlobalOptions {
  addr: string;
  requestor?: string;
  json?: boolean;
}

export interface ClientContext {
  transport: ClientTransport;
  json: boolean;
}

/** The OS user name, cut to the server's limit; a container without a passwd entry gets a fixed name. */
function osUser(): string {
  try {
    return userInfo().username.slice(0, REQUESTOR_MAX) || "ordo-cli";
  } catch {
    return "ordo-cli";
  }
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-a, --addr <url>", "server address").env("ORDO_ADDR").default(DEFAULT_ADDR))
    .addOption(
      new Option("-r, --requestor <name>", `who is asking (max ${REQUESTOR_MAX} chars; default: OS user name)`).env(
        "ORDO_REQUESTOR",
      ),
    )
    .option("--json", "machine output: the server's JSON reply");
}

/** Builds the transport; an explicit requestor that the server would reject fails here, before any request. */
export function clientContext(opts: GlobalOptions): ClientContext {
  // An empty value (ORDO_REQUESTOR= in a script) means "not set".
  const requestor = opts.requestor || osUser();
  if (requestor.length > REQUESTOR_MAX)
    throw usageError(`requestor "${requestor}" is longer than ${REQUESTOR_MAX} characters`);
  return { transport: transportFor(opts.addr, { requestor }), json: opts.json === true };
}

/** A job ID is a positive integer; checked here so a stray argument never becomes a different URL path. */
export function parseJobIdArg(raw: string): JobId {
  const text = raw.trim();
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1)
    throw usageError(`invalid job ID "${raw}": must be a positive integer`);
  return Number(text);
}

/** Repeated and comma-separated values, flattened. */

/** Accepts state names loosely ("completed", "JobStateCompleted"); an unknown name goes to the server to reject. */
export function normalizeState(raw: string): JobStateName {
  const want = raw.toLowerCase().replace(/^jobstate/, "");
  return JOB_STATE_NAMES.find((s) => s.toLowerCase() === `jobstate${want}`) ?? (raw as JobStateName);
}
