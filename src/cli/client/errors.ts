/** Client-side errors: what to print and which exit code, so every command fails the same way. */

/** Exit codes: 0 ok (or the job completed), 1 failure (job did not complete, server or network trouble), 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class ClientError extends Error {
  readonly exitCode: number;
  /** The server's stable error code (ORDO_ERR_...), when the server sent one. */
  readonly code: string | undefined;

  constructor(message: string, exitCode: number = EXIT_FAILURE, code?: string) {
    super(message);
    this.name = "ClientError";
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** A usage or input problem found before anything is sent. */
export function usageError(message: string): ClientError {
  return new ClientError(message, EXIT_USAGE);
}

/** RFC 9457 problem details as the REST API sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

export function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const p = body as Record<string, unknown>;
  return typeof p.detail === "string" && typeof p.status === "number";
}

/** 4xx means the request itself was wrong (exit 2); anything else is a failure on the way or on the server (exit 1). */
export function exitCodeForStatus(status: number): number {
  return status >= 400 && status < 500 ? EXIT_USAGE : EXIT_FAILURE;
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  EPROTO: "TLS handshake failed: does the server serve https at this address?",
};
/** Codes where nobody answered at all, so the address or the server is the likely problem. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);

/** The system error code (ECONNREFUSED...) of a failed request, looking through wrapped causes. */
function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    // Several addresses tried (localhost as ::1 and 127.0.0.1): the first one's error says enough.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors[0] instanceof Error) return causeCode(errors[0]);
  }
  return undefined;
}

/** Turns a failed request into a message naming the address the user gave. */
export function networkError(err: unknown, address: string): ClientError {
  if (err instanceof ClientError) return err;
  if (err instanceof Error && err.name === "TimeoutError")
    return new ClientError(`no reply from the ordo server at ${address}: ${err.message}`);
  const code = causeCode(err);
  const reason = (code && NETWORK_REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
  const hint = code && UNREACHABLE.has(code) ? " (is it running there? set --addr or ORDO_ADDR)" : "";
  return new ClientError(`cannot reach the ordo server at ${address}: ${reason}${hint}`, EXIT_FAILURE);
}
