/**
 * The JSON messages live followers receive over WebSocket (and `ordo events` prints): GARM's envelope
 * {"entity-type","operation","payload"} plus "seq", "event-name", "time" (RFC 3339), and the entry's coordinates
 * ("job-id", "run-id", "test-name", "test-attempt", "step-label", "target") when it has them. Errors travel as
 * {"error":{"code","message","field"?}}. Each entry is encoded once and shared by every subscriber.
 */
import type { EntityType, LogEvent, Operation, Target } from "../api/types.js";
import type { OrdoError } from "../errors.js";

export interface WireEvent {
  "entity-type": EntityType;
  operation: Operation;
  payload: unknown;
  seq: number;
  "event-name": string;
  time: string;
  "job-id"?: number;
  "run-id"?: number;
  "test-name"?: string;
  "test-attempt"?: number;
  "step-label"?: string;
  target?: Target;
}

export interface WireError {
  error: { code: string; message: string; field?: string };
}

export function toWire(e: LogEvent): WireEvent {
  const m: WireEvent = {
    "entity-type": e.entityType,
    operation: e.operation,
    payload: e.payload ?? null,
    seq: e.seq,
    "event-name": e.eventName,
    time: new Date(e.time).toISOString(),
  };
  if (e.jobId) m["job-id"] = e.jobId;
  if (e.runId !== null) m["run-id"] = e.runId;
  if (e.testName !== null) m["test-name"] = e.testName;
  if (e.testAttempt !== null) m["test-attempt"] = e.testAttempt;
  if (e.stepLabel !== null) m["step-label"] = e.stepLabel;
  if (e.target !== null) m.target = e.target;
  return m;
}

const encoded = new WeakMap<LogEvent, Buffer>();

/** The entry's message as UTF-8 bytes; live entries are shared objects, so fan-out encodes each once. */
export function encodeEvent(e: LogEvent): Buffer {
  let bytes = encoded.get(e);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(toWire(e)));
    encoded.set(e, bytes);
  }
  return bytes;
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/** Several entries as one JSON array message (batched WebSocket delivery), from their shared encodings. */
export function encodeBatch(events: LogEvent[]): Buffer {
  const parts: Buffer[] = [OPEN];
  events.forEach((e, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(encodeEvent(e));
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

export function encodeError(err: OrdoError): string {
  const body: WireError = { error: { code: err.code, message: err.message } };
  if (err.field) body.error.field = err.field;
  return JSON.stringify(body);
}

export function isWireError(msg: unknown): msg is WireError {
  return typeof msg === "object" && msg !== null && "error" in msg;
}
