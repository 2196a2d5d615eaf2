import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration } from "../../src/util/duration.js";

test("Go duration strings parse to milliseconds", () => {
  const cases: [string, number][] = [
    ["5s", 5000],
    ["300ms", 300],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    ["1m30s", 90_000],
    ["1h2m3s4ms", 3_723_004],
    [".5s", 500],
    ["1.s", 1000],
    ["0", 0],
    ["0s", 0],
    ["-1.5s", -1500],
    ["+2s", 2000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test("sub-millisecond units keep their fraction", () => {
  assert.equal(parseDuration("1500us"), 1.5);
  assert.equal(parseDuration("1500µs"), 1.5);
  assert.equal(parseDuration("2000000ns"), 2);
});

test("text that is not a Go duration is rejected", () => {
  for (const text of ["", "5", "5 parsecs", "s", "5sec", "1d", "1h-2m", "-", "+", "1e3s", "five seconds", "ms"])
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
});

test("durations format back in Go's short style", () => {
  assert.equal(formatDuration(250), "250ms");
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(60_000), "60s");
});
