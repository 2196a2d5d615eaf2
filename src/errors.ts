/**
 * Every error ordo reports is an OrdoError with a stable code and a transport-free kind.
 * Listeners map the kind to an HTTP status or gRPC code in one table (src/listeners/error-mapping.ts).
 * Codes are never reused: retire a code instead of changing its meaning. docs/ERRORS.md documents each one (a test
 * keeps the two in step).
 */

/** What went wrong, independent of transport. */
export type ErrorKind =
  | "invalid"
  | "not_found"
  | "conflict"
  | "gone"
  | "timeout"
  | "overloaded"
  | "unavailable"
  | "too_large"
  | "internal";

export const ERROR_CODES = {
  ORDO_ERR_DESCRIPTOR_INVALID: "invalid",
  ORDO_ERR_ARGUMENT_INVALID: "invalid",
  ORDO_ERR_REQUESTOR_INVALID: "invalid",
  ORDO_ERR_JOB_ID_INVALID: "invalid",
  ORDO_ERR_JOB_NOT_FOUND: "not_found",
  ORDO_ERR_ROUTE_NOT_FOUND: "not_found",
  ORDO_ERR_METHOD_NOT_ALLOWED: "invalid",
  ORDO_ERR_MEDIA_TYPE_UNSUPPORTED: "invalid",
  ORDO_ERR_JOB_NOT_RUNNING: "conflict",
  ORDO_ERR_JOB_STILL_RUNNING: "conflict",
  ORDO_ERR_TIMEOUT: "timeout",
  ORDO_ERR_OVERLOADED: "overloaded",
  ORDO_ERR_SHUTTING_DOWN: "unavailable",
  ORDO_ERR_STORAGE_UNAVAILABLE: "unavailable",
  ORDO_ERR_BODY_TOO_LARGE: "too_large",
  ORDO_ERR_INTERNAL: "internal",
  // The event store (issue 4).
  ORDO_ERR_CURSOR_TOO_OLD: "gone",
  ORDO_ERR_FILTER_INVALID: "invalid",
  ORDO_ERR_QUEUE_NOT_FOUND: "not_found",
  ORDO_ERR_WEBSOCKET_REQUIRED: "invalid",
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OrdoError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  /** The input field at fault, when there is one (e.g. "TestDescriptors[0].Steps[1].label"). */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OrdoError";
    this.code = code;
    this.kind = ERROR_CODES[code];
    this.field = options.field;
  }
}

/** A descriptor problem: names the field and the problem. */
export function invalidDescriptor(field: string, problem: string): OrdoError {
  return new OrdoError("ORDO_ERR_DESCRIPTOR_INVALID", `${field}: ${problem}`, { field });
}

/** Turns any thrown value into an OrdoError; unknown errors become `internal`. */
export function coerceError(err: unknown): OrdoError {
  if (err instanceof OrdoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OrdoError("ORDO_ERR_INTERNAL", message, { cause: err });
}
