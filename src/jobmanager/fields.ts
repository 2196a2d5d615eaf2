/** Reading loosely-typed descriptor objects the way ConTest does: keys match case-insensitively, unknown keys are ignored. */
import { invalidDescriptor } from "../errors.js";
import { parseDuration } from "../util/duration.js";

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value under `key`, matched case-insensitively. */
export function field(obj: Obj, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  // Keys are ASCII, and lower-casing keeps a string's length unless it holds U+0130 (which never lower-cases to
  // ASCII): a key of another length cannot match, so it need not be lower-cased (the common miss, made cheap).
  for (const k in obj)
    if (k.length === lower.length && Object.hasOwn(obj, k) && k.toLowerCase() === lower) return obj[k];
  return undefined;
}

export function optObject(obj: Obj, key: string, path: string): Obj {
  const v = field(obj, key);
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw invalidDescriptor(path, "must be an object");
  return v;
}

export function reqString(obj: Obj, key: string, path: string, maxLen?: number): string {
  const v = field(obj, key);
  if (v === undefined || v === null || v === "") throw invalidDescriptor(path, "is required");
  if (typeof v !== "string") throw invalidDescriptor(path, "must be a string");
  if (maxLen !== undefined && v.length > maxLen) throw invalidDescriptor(path, `is longer than ${maxLen} characters`);
  return v;
}

export function optString(obj: Obj, key: string, path: string): string | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw invalidDescriptor(path, "must be a string");
  return v;
}

export function optInt(obj: Obj, key: string, path: string, fallback: number, min = 0): number {
  const v = field(obj, key);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min)
    throw invalidDescriptor(path, `must be an integer >= ${min}`);
  return v;
}

export function optBool(obj: Obj, key: string, path: string): boolean {
  const v = field(obj, key);
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalidDescriptor(path, "must be true or false");
  return v;
}

/** A Go-style duration string ("5s", "1.5h"); a bare number is taken as nanoseconds, as Go's JSON would. */
export function optDuration(obj: Obj, key: string, path: string, fallbackMs: number): number {
  const v = field(obj, key);
  if (v === undefined || v === null || v === "") return fallbackMs;
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v / 1e6;
  const ms = typeof v === "string" ? parseDuration(v) : undefined;
  if (ms === undefined)
    throw invalidDescriptor(path, `invalid duration ${JSON.stringify(v)} (use e.g. "5s", "300ms", "1.5h")`);
  if (ms < 0) throw invalidDescriptor(path, "must not be negative");
  return ms;
}

export function optArray(obj: Obj, key: string, path: string): unknown[] {
  const v = field(obj, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidDescriptor(path, "must be a list");
  return v;
}
