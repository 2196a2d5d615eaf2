/** docs/ERRORS.md and src/errors.ts stay in step, as fastify keeps its error table honest. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ERROR_CODES, type ErrorKind } from "../src/errors.js";
import { statusFor } from "../src/listeners/error-mapping.js";
import { REPO_ROOT } from "./helpers.js";

const doc = readFileSync(join(REPO_ROOT, "docs/ERRORS.md"), "utf8");
/** Table rows of the section that starts with `heading`: cells without the outer pipes. */
function rows(heading: string): string[][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) =>
      l
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    );
}

const GRPC_NAMES: Record<number, string> = {
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  11: "OUT_OF_RANGE",
  13: "INTERNAL",
  14: "UNAVAILABLE",
};

test("every error code is documented with its kind, and every documented code exists", () => {
  const documented = new Map(rows("Codes").map(([code, kind]) => [code as string, kind]));
  for (const [code, kind] of Object.entries(ERROR_CODES))
    assert.equal(documented.get(code), kind, `${code} is documented as ${kind}`);
  for (const code of documented.keys()) assert.ok(Object.hasOwn(ERROR_CODES, code), `${code} exists in src/errors.ts`);
});

test("every kind's documented HTTP status and gRPC code are the ones the listeners use", () => {
  const kinds = new Set(Object.values(ERROR_CODES));
  const documented = rows("Kinds");
  assert.equal(documented.length, kinds.size, "one row per kind in use");
  for (const [kind, http, grpc] of documented) {
    const status = statusFor(kind as ErrorKind);
    assert.equal(String(status.http), http, `${kind} HTTP`);
    assert.equal(GRPC_NAMES[status.grpc], grpc, `${kind} gRPC`);
  }
});
