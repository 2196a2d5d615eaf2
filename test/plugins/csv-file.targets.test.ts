import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Target } from "../../src/api/types.js";
import { OrdoError } from "../../src/errors.js";
import { CSVFileTargetManager } from "../../src/plugins/targetmanagers/csv-file.js";
import { SAMPLES_DIR, tempDir } from "../helpers.js";

const dir = tempDir("ordo-csv-");
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, "hosts.csv"),
  [
    "# ID,FQDN,IPv4,IPv6",
    "1,web1.example.org,10.0.0.1,",
    "2,web2.example.org,10.0.0.2,fd00::2",
    "",
    "3,db1.example.org,10.0.0.3,",
    "4,cache1.example.org,,",
    "5,web3.example.org,10.0.0.5,",
  ].join("\n"),
);

const ctx = { cwd: dir, jobId: 1, signal: new AbortController().signal };
const acquire = async (params: Record<string, unknown>): Promise<Target[]> => CSVFileTargetManager.acquire(params, ctx);
const ids = (ts: Target[]) => ts.map((t) => t.ID);

test("rows become targets with ID, FQDN and addresses; blank lines and comments are skipped", async () => {
  const targets = await acquire({ FileURI: "hosts.csv" });
  assert.equal(targets.length, 5);
  assert.deepEqual(targets[0], { ID: "1", FQDN: "web1.example.org", PrimaryIPv4: "10.0.0.1" });
  assert.deepEqual(targets[1], { ID: "2", FQDN: "web2.example.org", PrimaryIPv4: "10.0.0.2", PrimaryIPv6: "fd00::2" });
  assert.deepEqual(targets[3], { ID: "4", FQDN: "cache1.example.org" });
});

test("MaxNumberDevices caps how many targets are taken, in file order", async () => {
  assert.deepEqual(ids(await acquire({ FileURI: "hosts.csv", MaxNumberDevices: 2 })), ["1", "2"]);
});

test("HostPrefixes keeps only targets whose FQDN starts with one of them", async () => {
  assert.deepEqual(ids(await acquire({ FileURI: "hosts.csv", HostPrefixes: ["web"] })), ["1", "2", "5"]);
  assert.deepEqual(ids(await acquire({ FileURI: "hosts.csv", HostPrefixes: ["db", "cache"] })), ["3", "4"]);
  assert.deepEqual(ids(await acquire({ FileURI: "hosts.csv", HostPrefixes: [] })), ["1", "2", "3", "4", "5"]);
});

test("fewer matching targets than MinNumberDevices fails the acquisition", async () => {
  await assert.rejects(
    acquire({ FileURI: "hosts.csv", HostPrefixes: ["web"], MinNumberDevices: 4 }),
    (err: unknown) => err instanceof OrdoError && /3 targets match, 4 needed/.test(err.message),
  );
  assert.equal((await acquire({ FileURI: "hosts.csv", HostPrefixes: ["web"], MinNumberDevices: 3 })).length, 3);
});

test("Shuffle takes a random selection of the matching targets", async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const [one] = await acquire({ FileURI: "hosts.csv", Shuffle: true, MaxNumberDevices: 1 });
    seen.add(one?.ID ?? "");
  }
  // 50 draws of 1 of 5: the chance of seeing only one ID is 5 x (1/5)^50.
  assert.ok(seen.size > 1, `shuffled draws all gave ${[...seen]}`);
  for (const id of seen) assert.ok(["1", "2", "3", "4", "5"].includes(id));
});

test("FileURI may be a file:// URI; parameter names match case-insensitively", async () => {
  const uri = pathToFileURL(join(dir, "hosts.csv")).href;
  assert.deepEqual(ids(await acquire({ fileuri: uri, maxnumberdevices: 1 })), ["1"]);
});

test("validation names the field: a missing file, Max below Min", () => {
  const check = (params: Record<string, unknown>, field: string, message: RegExp) =>
    assert.throws(
      () => CSVFileTargetManager.validateAcquire(params, "P", { cwd: dir }),
      (err: unknown) => err instanceof OrdoError && err.field === field && message.test(err.message),
    );
  check({ FileURI: "nope.csv" }, "P.FileURI", /file not found: .*nope\.csv/);
  check({}, "P.FileURI", /is required/);
  check({ FileURI: "hosts.csv", MinNumberDevices: 3, MaxNumberDevices: 2 }, "P.MaxNumberDevices", /below/);
  check({ FileURI: "hosts.csv", MinNumberDevices: -1 }, "P.MinNumberDevices", /integer >= 0/);
});

test("the ConTest sample hosts.csv gives the sample's six hosts", async () => {
  const targets = await CSVFileTargetManager.acquire({ FileURI: "hosts.csv" }, { ...ctx, cwd: SAMPLES_DIR });
  assert.deepEqual(ids(targets), ["1234", "2345", "3456", "10", "20", "30"]);
  assert.deepEqual(targets[0], { ID: "1234", FQDN: "compute1234", PrimaryIPv4: "172.16.5.6" });
});
