/**
 * Filters in GARM's JSON shape (seeds/003), extended for ordo: {"send-everything":true} or
 * {"filters":[{"entity-type":"job","operations":["create","update"],"job-ids":[7],"event-names":["JobStateFailed"]}]},
 * plus "from-seq" to resume after a sequence number and "batch" (WebSocket: arrays of entries). Unknown keys and values are refused (ORDO_ERR_FILTER_INVALID),
 * as GARM's schema sets additionalProperties false. Both transports validate through here.
 */
import { ENTITY_TYPES, type EventFilter, type EventSelector, OPERATIONS } from "../api/events.js";
import type { EntityType, JobId, Operation } from "../api/types.js";
import { OrdoError } from "../errors.js";

const MAX_SELECTORS = 100;
const MAX_LIST = 1000;

export interface FilterMessage {
  filter: EventFilter;
  /** Resume after this seq; undefined = live from now. */
  fromSeq: number | undefined;
  /** WebSocket only: each message is a JSON array of the entries sent together, instead of one entry. */
  batch: boolean;
}

function invalid(field: string, problem: string): OrdoError {
  return new OrdoError("ORDO_ERR_FILTER_INVALID", `invalid filter: ${field}: ${problem}`, { field });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj))
    if (!allowed.includes(k)) throw invalid(`${where}${k}`, `unknown key (allowed: ${allowed.join(", ")})`);
}

function list<T>(v: unknown, field: string, item: (x: unknown, field: string) => T): T[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(field, "must be an array");
  if (v.length > MAX_LIST) throw invalid(field, `at most ${MAX_LIST} items`);
  return v.map((x, i) => item(x, `${field}[${i}]`));
}

function oneOf<T extends string>(values: readonly T[]) {
  return (x: unknown, field: string): T => {
    if (typeof x !== "string" || !values.includes(x as T)) throw invalid(field, `must be one of ${values.join(", ")}`);
    return x as T;
  };
}

function jobId(x: unknown, field: string): JobId {
  const text = typeof x === "number" ? String(x) : typeof x === "string" ? x.trim() : "";
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw invalid(field, "must be a positive integer job ID");
  return Number(text);
}

function eventName(x: unknown, field: string): string {
  if (typeof x !== "string" || x === "" || x.length > 128) throw invalid(field, "must be an event name");
  return x;
}

function selector(v: unknown, field: string): EventSelector {
  if (!isRecord(v)) throw invalid(field, "must be an object");
  onlyKeys(v, ["entity-type", "operations", "job-ids", "event-names"], `${field}.`);
  const s: EventSelector = {};
  const entity = v["entity-type"];
  if (entity !== undefined && entity !== null && entity !== "")
    s.entityType = oneOf<EntityType>(ENTITY_TYPES)(entity, `${field}.entity-type`);
  const operations = list(v.operations, `${field}.operations`, oneOf<Operation>(OPERATIONS));
  if (operations?.length) s.operations = operations;
  const jobIds = list(v["job-ids"], `${field}.job-ids`, jobId);
  if (jobIds?.length) s.jobIds = jobIds;
  const names = list(v["event-names"], `${field}.event-names`, eventName);
  if (names?.length) s.eventNames = names;
  return s;
}

function cursor(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw invalid(field, "must be a sequence number");
  return n;
}

/** Parses and validates a filter message (already JSON-decoded). */
export function parseFilterMessage(msg: unknown): FilterMessage {
  if (!isRecord(msg)) throw invalid("message", "must be a JSON object");
  onlyKeys(msg, ["send-everything", "filters", "from-seq", "batch"], "");
  const everything = msg["send-everything"] ?? false;
  if (typeof everything !== "boolean") throw invalid("send-everything", "must be true or false");
  const batch = msg.batch ?? false;
  if (typeof batch !== "boolean") throw invalid("batch", "must be true or false");
  const selectors = list(msg.filters, "filters", selector) ?? [];
  if (selectors.length > MAX_SELECTORS) throw invalid("filters", `at most ${MAX_SELECTORS} filters`);
  return { filter: { everything, selectors }, fromSeq: cursor(msg["from-seq"], "from-seq"), batch };
}

/** Parses the text of a WebSocket message. */
export function parseFilterText(text: string): FilterMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw invalid("message", "is not JSON");
  }
  return parseFilterMessage(msg);
}
