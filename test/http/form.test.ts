/** Form bodies parse as @fastify/formbody's default parser (fast-querystring) parses them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseForm } from "../../src/listeners/http/form.js";

const plain = (form: object) => Object.entries(form);

test("pairs, repeats, plus signs and percent escapes read as fast-querystring reads them", () => {
  assert.deepEqual(plain(parseForm("requestor=me&jobDesc=%7B%22a%22%3A1%7D")), [
    ["requestor", "me"],
    ["jobDesc", '{"a":1}'],
  ]);
  assert.deepEqual(plain(parseForm("a=1&a=2&a=3&b")), [
    ["a", ["1", "2", "3"]],
    ["b", ""],
  ]);
  assert.deepEqual(plain(parseForm("a+b=c+d%2B&=x&&e==f")), [
    ["a b", "c d+"],
    ["", "x"],
    ["e", "=f"],
  ]);
  // A malformed escape keeps the text as sent (with its plus signs as spaces).
  assert.deepEqual(plain(parseForm("k=%E2%82&v=50%+off&w=%C0%80")), [
    ["k", "%E2%82"],
    ["v", "50% off"],
    ["w", "%C0%80"],
  ]);
  assert.deepEqual(plain(parseForm("")), []);
});

test("__proto__ is an ordinary key", () => {
  const form = parseForm("__proto__=x");
  assert.deepEqual(plain(form), [["__proto__", "x"]]);
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(form)), null);
});
