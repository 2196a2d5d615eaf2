/** Secrets never reach the event log: payload values under secret-looking keys are redacted on the write path. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EVERYTHING } from "../../src/api/events.js";
import { isSecretKey, REDACTED, redactSecrets } from "../../src/events/redact.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";

test("secret-looking keys are recognised in any case and word style", () => {
  for (const k of ["password", "DB_PASSWORD", "apiKey", "api-key", "APIKey", "x-auth-token", "clientSecret", "Keys"])
    assert.ok(isSecretKey(k), k);
  for (const k of ["Name", "monkey", "keyboard", "Tokenizer", "Msg", "TargetSuccess", "secretary"])
    assert.ok(!isSecretKey(k), k);
});

test("values are redacted at any depth; the rest is kept, and a clean value is not copied", () => {
  const clean = { Msg: "hello", list: [1, { a: 2 }] };
  assert.equal(redactSecrets(clean), clean);
  const dirty = { Msg: "x", auth: { Token: "t0k", nested: [{ password: "p", ok: 1 }] }, credentials: { user: "u" } };
  assert.deepEqual(redactSecrets(dirty), {
    Msg: "x",
    auth: { Token: REDACTED, nested: [{ password: REDACTED, ok: 1 }] },
    credentials: REDACTED,
  });
  assert.equal(dirty.auth.Token, "t0k", "the caller's object is not changed");
});

test("the stored and the published entry carry the redacted payload", async () => {
  const storage = new SqliteStorage({ path: ":memory:" });
  const published: unknown[] = [];
  storage.onCommit((events) => published.push(...events.map((e) => e.payload)));
  const job = await storage.createJob({
    name: "j",
    requestor: "t",
    serverId: "s",
    descriptorRaw: "{}",
    descriptorResolved: "{}",
    tags: [],
  });
  await storage.appendEvents([
    {
      entityType: "step",
      operation: "create",
      eventName: "CmdStdout",
      jobId: job.id,
      payload: { apiKey: "k", Msg: "m" },
    },
  ]);
  const log = await storage.readLog({ afterSeq: 0, limit: 10, filter: EVERYTHING });
  assert.deepEqual(log.events.at(-1)?.payload, { apiKey: REDACTED, Msg: "m" });
  assert.deepEqual(published.at(-1), { apiKey: REDACTED, Msg: "m" });
  await storage.close();
});
