/** GARM's filter messages, and ordo's extensions, as both transports parse them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilter } from "../../src/api/events.js";
import type { LogEvent } from "../../src/api/types.js";
import { parseFilterMessage, parseFilterText } from "../../src/events/filter.js";

function entry(over: Partial<LogEvent>): LogEvent {
  return {
    seq: 1,
    time: 0,
    entityType: "job",
    operation: "update",
    eventName: "JobStateStarted",
    jobId: 7,
    runId: null,
    testName: null,
    testAttempt: null,
    stepLabel: null,
    target: null,
    payload: null,
    ...over,
  };
}

test("GARM's examples parse; send-everything selects all, no filter selects nothing", () => {
  assert.ok(compileFilter(parseFilterText('{"send-everything":true}').filter)(entry({})));
  assert.ok(!compileFilter(parseFilterText("{}").filter)(entry({})));
  const m = parseFilterText(
    '{"send-everything":false,"filters":[{"entity-type":"job","operations":["create","update"]},' +
      '{"entity-type":"step","operations":["delete"]}]}',
  );
  const sel = compileFilter(m.filter);
  assert.ok(sel(entry({})));
  assert.ok(!sel(entry({ entityType: "step", operation: "create" })));
  assert.ok(sel(entry({ entityType: "step", operation: "delete" })));
  assert.equal(m.fromSeq, undefined);
});

test("extensions: job-ids, event-names and from-seq", () => {
  const m = parseFilterMessage({
    filters: [{ "job-ids": [7, "8"], "event-names": ["JobStateStarted"] }],
    "from-seq": 42,
  });
  const sel = compileFilter(m.filter);
  assert.equal(m.fromSeq, 42);
  assert.ok(sel(entry({})));
  assert.ok(sel(entry({ jobId: 8, entityType: "run" })));
  assert.ok(!sel(entry({ jobId: 9 })));
  assert.ok(!sel(entry({ eventName: "JobStateFailed" })));
});

test("invalid filters are refused with ORDO_ERR_FILTER_INVALID naming the field", () => {
  const cases: [unknown, string][] = [
    [[], "message"],
    [{ everything: true }, "everything"],
    [{ "send-everything": "yes" }, "send-everything"],
    [{ filters: {} }, "filters"],
    [{ filters: [{ "entity-type": "repository" }] }, "filters[0].entity-type"],
    [{ filters: [{ operations: ["upsert"] }] }, "filters[0].operations[0]"],
    [{ filters: [{ "job-ids": [0] }] }, "filters[0].job-ids[0]"],
    [{ filters: [{ colour: "red" }] }, "filters[0].colour"],
    [{ "from-seq": -1 }, "from-seq"],
  ];
  for (const [msg, field] of cases)
    assert.throws(() => parseFilterMessage(msg), { code: "ORDO_ERR_FILTER_INVALID", field }, JSON.stringify(msg));
  assert.throws(() => parseFilterText("{nope"), { code: "ORDO_ERR_FILTER_INVALID" });
});
