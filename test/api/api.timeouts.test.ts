/** The Api bounds both the hand-off to the job manager and the wait for its reply, with distinct, coded errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Api } from "../../src/api/api.js";
import { OrdoError } from "../../src/errors.js";

const rejectsWith = (p: Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof OrdoError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });

test("a reply that does not come within the event timeout is ORDO_ERR_TIMEOUT; a full channel is ORDO_ERR_OVERLOADED", async () => {
  // No job manager consumes this Api's channel: the first request fills it, the second cannot be handed off.
  const api = new Api({ serverId: "t", eventTimeoutMs: 50, channelCapacity: 1 });
  const started = Date.now();
  await Promise.all([
    rejectsWith(api.status("me", 1), "ORDO_ERR_TIMEOUT", /^status: timed out after 50ms waiting for the reply$/),
    rejectsWith(api.status("me", 2), "ORDO_ERR_OVERLOADED", /^status: the server is overloaded \(\d+ requests waiting/),
  ]);
  assert.ok(Date.now() - started >= 45, "both waits last the event timeout");
  // The request that gave up is no longer waiting in the channel.
  assert.equal(api.events.length, 1);
});

test("the requestor is checked before anything is sent, and a closed channel means shutting down", async () => {
  const api = new Api({ serverId: "t", eventTimeoutMs: 50 });
  await rejectsWith(api.stop("", 1), "ORDO_ERR_REQUESTOR_INVALID", /^requestor is required$/);
  await rejectsWith(api.stop("x".repeat(33), 1), "ORDO_ERR_REQUESTOR_INVALID", /longer than 32 characters/);
  assert.equal(api.events.length, 0);
  api.events.close();
  await rejectsWith(api.list("me", {}), "ORDO_ERR_SHUTTING_DOWN", /shutting down/);
});
