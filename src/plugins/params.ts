/** Helpers for step parameters, where every value is a list: `{"executable": ["echo"]}`. */
import { invalidDescriptor } from "../errors.js";
import { parseDuration } from "../util/duration.js";
import type { StepParameters } from "./types.js";

/** The single value of a parameter, or undefined when absent. */
export function one(params: StepParameters, key: string, path: string): unknown {
  const v = params[key];
  if (v === undefined || v.length === 0) return undefined;
  if (v.length > 1) throw invalidDescriptor(`${path}.${key}`, "takes exactly one value");
  return v[0];
}

export function oneString(params: StepParameters, key: string, path: string, required: boolean): string | undefined {
  const v = one(params, key, path);
  if (v === undefined || v === null) {
    if (required) throw invalidDescriptor(`${path}.${key}`, "is required");
    return undefined;
  }
  if (typeof v !== "string" && typeof v !== "number") throw invalidDescriptor(`${path}.${key}`, "must be a string");
  return String(v);
}

export function oneBool(params: StepParameters, key: string, path: string, fallback: boolean): boolean {
  const v = one(params, key, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw invalidDescriptor(`${path}.${key}`, "must be true or false");
}

/** A duration parameter; templates are allowed and checked when the step runs. */
export function checkDuration(params: StepParameters, key: string, path: string, required: boolean): void {
  const v = oneString(params, key, path, required);
  if (v === undefined || v.includes("{{")) return;
  const ms = parseDuration(v);
  if (ms === undefined || ms < 0)
    throw invalidDescriptor(`${path}.${key}`, `invalid duration "${v}" (use e.g. "5s", "300ms")`);
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
