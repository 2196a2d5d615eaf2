/**
 * Secrets never reach the event log: before an entry is written, every value whose key looks like a secret
 * (password, secret, token, API key, key, credential; any case, any word of a camelCase/snake_case/kebab-case key)
 * is replaced by REDACTED, at any depth. The storage's single write path calls this (GARM strips its payloads too).
 */

export const REDACTED = "[REDACTED]";

const SECRET_WORDS = new Set(["password", "passwd", "secret", "token", "apikey", "key", "credential"]);
const MAX_DEPTH = 64;

/** Words of a key: "apiKey" → api, key; "DB_PASSWORD" → db, password; "X-Auth-Token" → x, auth, token. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

/** Payload keys repeat (Msg, Error, Path...): remember each key's answer, within a bound. */
const known = new Map<string, boolean>();
const KNOWN_MAX = 10_000;

export function isSecretKey(key: string): boolean {
  let secret = known.get(key);
  if (secret === undefined) {
    secret = classify(key);
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(key, secret);
  }
  return secret;
}

function classify(key: string): boolean {
  const compact = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (SECRET_WORDS.has(compact)) return true;
  return words(key).some((w) => SECRET_WORDS.has(w) || (w.endsWith("s") && SECRET_WORDS.has(w.slice(0, -1))));
}

/** A copy of `value` with secret-looking keys' values redacted; the same reference when nothing needed redacting. */
export function redactSecrets<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const r = redact(item, depth + 1);
      if (r !== item) {
        out ??= value.slice();
        out[i] = r;
      }
    });
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
    if (r !== v) {
      out ??= { ...(value as Record<string, unknown>) };
      out[k] = r;
    }
  }
  return out ?? value;
}
