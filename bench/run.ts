/**
 * `npm run bench [-- --full] [-- --only submit,noop] [-- --durability normal] [-- --out FILE]`: runs the
 * benchmarks one after another, each bounded in time and on loopback only, prints the machine header and the
 * table of figures (each with its same-run baseline, ratio and target), and writes bench/RESULTS.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { enqueue } from "./enqueue.js";
import { fanout } from "./fanout.js";
import type { BenchContext, Benchmark, Settings, Shared } from "./lib/context.js";
import { describeMachine, fsyncRate, machineLines } from "./lib/machine.js";
import { REPO_ROOT } from "./lib/proc.js";
import { type Figure, markdownTable, textTable } from "./lib/report.js";
import { memory } from "./memory.js";
import { noop } from "./noop.js";
import { status } from "./status.js";
import { submit } from "./submit.js";

const ALL: Benchmark[] = [submit, status, noop, enqueue, fanout, memory];
/** Time a benchmark gets to clean up after its limit before the run moves on. */
const GRACE_MS = 15_000;

const { values } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    only: { type: "string" },
    durability: { type: "string", default: "full" },
    out: { type: "string", default: join(REPO_ROOT, "bench/RESULTS.md") },
    "data-root": { type: "string", default: tmpdir() },
  },
});
if (values.durability !== "full" && values.durability !== "normal") {
  console.error(`--durability must be full or normal, not "${values.durability}"`);
  process.exit(2);
}
const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((n) => !ALL.some((b) => b.name === n)) ?? [];
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")} (known: ${ALL.map((b) => b.name).join(", ")})`);
  process.exit(2);
}

const dataRoot = mkdtempSync(join(resolve(values["data-root"]), "ordo-bench-"));
// On any exit (also Ctrl-C) the children are killed (lib/proc.ts) and the temp data removed.
process.on("exit", () => rmSync(dataRoot, { recursive: true, force: true }));
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
const settings: Settings = { full: values.full, durability: values.durability, dataRoot };
const shared: Shared = {};
const figures: Figure[] = [];
const notes: string[] = [];
const mode = settings.full ? "full (--full)" : "short (default; --full for the real run)";

const machine = describeMachine(dataRoot);
const header = machineLines(machine, settings.durability, mode);
console.log(`ordo benchmarks\n${header.join("\n")}\n`);

const started = Date.now();
for (const bench of ALL.filter((b) => !only || only.includes(b.name))) {
  const abort = new AbortController();
  const cleanups: (() => unknown)[] = [];
  let dirs = 0;
  // A benchmark that overran its limit may still be winding down: what it records after that is dropped.
  let open = true;
  const log = (text: string) => console.error(`[${bench.name}] ${text}`);
  const ctx: BenchContext = {
    settings,
    shared,
    signal: abort.signal,
    tempDir: () => {
      const dir = join(dataRoot, `${bench.name}-${dirs++}`);
      mkdirSync(dir);
      return dir;
    },
    defer: (fn) => cleanups.push(fn),
    record: (f) => {
      if (open) figures.push({ bench: bench.name, ...f });
    },
    note: (text) => {
      if (open) notes.push(text);
    },
    log,
  };
  const limitMs = bench.limitS(settings.full) * 1000;
  const t0 = Date.now();
  log(`start (limit ${limitMs / 1000} s)`);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    bench.run(ctx).then(
      () => "done",
      (err: unknown) => (abort.signal.aborted ? "timed out" : `failed: ${(err as Error).stack ?? String(err)}`),
    ),
    new Promise<string>((r) => {
      timer = setTimeout(() => {
        abort.abort(new Error(`time limit of ${limitMs / 1000} s`));
        // Give the benchmark a moment to stop on the abort and record what it has.
        setTimeout(() => r("timed out"), GRACE_MS).unref();
      }, limitMs);
    }),
  ]);
  clearTimeout(timer);
  open = false;
  if (outcome !== "done") {
    notes.push(`${bench.name}: ${outcome.split("\n")[0]} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    log(outcome);
  }
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
  log(`${outcome === "done" ? "done" : outcome.split("\n")[0]} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
const endLines = [
  `Disk at end: ${Math.round(fsyncRate(dataRoot)).toLocaleString("en-US")} fsyncs/s; load average at end: ${(loadavg()[0] ?? 0).toFixed(2)}`,
];
rmSync(dataRoot, { recursive: true, force: true });

const totalS = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\n${textTable(figures)}\n`);
for (const n of notes) console.log(`- ${n}`);
console.log(`\n${endLines.join("\n")}\ntotal ${totalS} s`);

const flags = [settings.full ? "--full" : "", settings.durability === "normal" ? "--durability normal" : ""];
const args = flags.some(Boolean) ? ` -- ${flags.filter(Boolean).join(" ")}` : "";
const md = [
  "# ordo benchmark results",
  "",
  `Last run: ${new Date().toISOString()}, \`npm run bench${args}\`${only ? ` (only ${only.join(", ")})` : ""}, ${totalS} s.`,
  "Regenerated by every run; see README.md for what each figure and baseline means.",
  "",
  ...[...header, ...endLines].map((l) => `- ${l}`),
  "",
  markdownTable(figures),
  "",
  ...notes.map((n) => `- ${n}`),
  "",
].join("\n");
writeFileSync(values.out, md);
console.log(`written to ${values.out}`);
process.exit(0);
