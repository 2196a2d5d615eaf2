/**
 * Group commit on a real SQLite file: a burst of writes is split into transactions of at most MAX_BATCH (so the
 * event loop is never held for long) and still commits in queue order; closing commits whatever is queued; the
 * runner's fire-and-forget events (emitEvents) keep their place among awaited writes.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { GroupCommitter, MAX_BATCH } from "../../src/storage/sqlite/group-commit.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { NewEvent } from "../../src/storage/storage.js";
import { tempDir } from "../helpers.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir, "gc.db");
}

test("a burst of writes commits in order, in transactions of at most MAX_BATCH", async () => {
  const db = new Database(dbFile());
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (n INTEGER NOT NULL)");
  const insert = db.prepare("INSERT INTO t (n) VALUES (?)");
  const commits: number[] = [];
  let inBatch = 0;
  const gc = new GroupCommitter(db, {
    afterCommit: () => {
      commits.push(inBatch);
      inBatch = 0;
    },
  });
  const n = MAX_BATCH * 2 + 10;
  const writes = Array.from({ length: n }, (_, i) =>
    gc.write(() => {
      inBatch++;
      insert.run(i);
      return i;
    }),
  );
  assert.deepEqual(await Promise.all(writes), [...Array(n).keys()]);
  assert.deepEqual(commits, [MAX_BATCH, MAX_BATCH, 10]);
  const stored = (db.prepare("SELECT n FROM t ORDER BY rowid").pluck().all() as number[]).slice();
  assert.deepEqual(stored, [...Array(n).keys()]);
  db.close();
});

test("flushAll commits every queued batch at once (what closing the storage does)", async () => {
  const db = new Database(dbFile());
  db.exec("CREATE TABLE t (n INTEGER NOT NULL)");
  const insert = db.prepare("INSERT INTO t (n) VALUES (?)");
  const gc = new GroupCommitter(db);
  const writes = Array.from({ length: MAX_BATCH * 3 }, (_, i) => gc.write(() => insert.run(i)));
  gc.flushAll();
  assert.equal(db.prepare("SELECT count(*) FROM t").pluck().get(), MAX_BATCH * 3);
  await Promise.all(writes);
  db.close();
});

test("emitted events keep their place among awaited writes", async () => {
  const storage = new SqliteStorage({ path: dbFile(), durability: "full" });
  try {
    const { id } = await storage.createJob({
      name: "order",
      requestor: "tester",
      serverId: "test",
      descriptorRaw: "{}",
      descriptorResolved: "{}",
      tags: [],
    });
    const ev = (eventName: string): NewEvent => ({ entityType: "step", operation: "create", eventName, jobId: id });
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    // e1 and e2 share one queued write; the awaited a3 is queued after it, so e4 and e5 start a new one.
    storage.emitEvents([ev("e1")], onError);
    storage.emitEvents([ev("e2")], onError);
    const a3 = storage.appendEvents([ev("a3")]);
    storage.emitEvents([ev("e4")], onError);
    storage.emitEvents([ev("e5")], onError);
    await a3;
    const a6 = await storage.appendEvents([ev("a6")]);
    const names = (await storage.listEvents(id, { entityType: "step" })).map((e) => e.eventName);
    assert.deepEqual(names, ["e1", "e2", "a3", "e4", "e5", "a6"]);
    assert.equal(a6[0]?.eventName, "a6");
    assert.deepEqual(errors, []);
  } finally {
    await storage.close();
  }
});
