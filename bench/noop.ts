/**
 * No-op job execution: the burn-down of N queued jobs (one target, one `echo` step, every event persisted).
 * To queue them without running them, a first server with --max-running-jobs 1 holds its one slot with a
 * sleeping job while the N are submitted, and is then killed; a second server on the same data directory
 * (--on-crash fail ends the sleeper) recovers the N queued jobs at start-up and runs them, up to 1000 at once.
 * Jobs/s = N / (last JobStateCompleted − first JobStateStarted), event times read from the database.
 * Baselines: the same number of raw event-row inserts (better-sqlite3, WAL, FULL), batched 1000 per transaction,
 * and one per transaction (time-bounded, extrapolated), each expressed as jobs/s.
 */
import { rawEventInserts } from "./baselines/sqlite-inserts.js";
import type { Benchmark } from "./lib/context.js";
import { OrdoDb } from "./lib/db.js";
import { blockerText, oneStep, REST_HEADERS } from "./lib/descriptor.js";
import { httpLoad } from "./lib/http-load.js";
import { spawnOrdo } from "./lib/proc.js";
import { waitFor } from "./lib/stats.js";

export const noop: Benchmark = {
  name: "noop",
  limitS: (full) => (full ? 600 : 90),
  async run(ctx) {
    const n = ctx.settings.full ? 20_000 : 2_000;
    const durability = ctx.settings.durability;
    const dataDir = ctx.tempDir();

    const first = await spawnOrdo({ dataDir, durability, extra: ["--max-running-jobs", "1"] });
    ctx.defer(() => first.kill());
    const blocked = await fetch(`${first.http}/api/v1/jobs`, {
      method: "POST",
      headers: REST_HEADERS,
      body: blockerText(),
    });
    if (blocked.status !== 201) throw new Error(`blocker job: ${blocked.status} ${await blocked.text()}`);
    const t0 = Date.now();
    const sub = await httpLoad({
      url: first.http,
      method: "POST",
      path: () => "/api/v1/jobs",
      headers: REST_HEADERS,
      body: (i) => oneStep(`noop-${i}`),
      connections: 50,
      amount: n,
      check: (s) => s === 201,
      signal: ctx.signal,
    });
    ctx.log(`queued ${sub.ok}/${n} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await first.kill();
    if (sub.ok !== n) throw new Error(`queued ${sub.ok}/${n} jobs (first failure: ${sub.firstFailure})`);

    const peek = new OrdoDb(dataDir);
    const { from, to, count } = peek.queued();
    peek.close();
    if (count !== n) throw new Error(`${count} jobs queued in the database, expected ${n}`);

    const second = await spawnOrdo({ dataDir, durability, extra: ["--on-crash", "fail"] });
    ctx.defer(() => second.kill());
    const db = new OrdoDb(dataDir);
    ctx.defer(() => db.close());
    const limitMs = (ctx.settings.full ? 500 : 70) * 1000;
    const finished = await waitFor(() => db.unfinishedIn(from, to) === 0, limitMs, ctx.signal, 200);
    const states = db.statesOf(from, to);
    const { start, end } = db.span(from, to, "JobStateStarted", "JobStateCompleted");
    const completed = states.JobStateCompleted ?? 0;
    const perJob = db.eventsOf(from, to, ["JobCreated"]) / n;
    await second.kill();
    if (!finished || completed !== n)
      ctx.note(
        `noop: ${completed}/${n} jobs completed${finished ? "" : " before the time limit"} (${JSON.stringify(states)})`,
      );
    const seconds = start !== null && end !== null ? (end - start) / 1000 : Number.NaN;
    const jobsPerS = completed / seconds;
    ctx.log(
      `${completed} jobs in ${seconds.toFixed(2)} s: ${Math.round(jobsPerS)} jobs/s, ${perJob.toFixed(1)} events/job`,
    );

    const rows = Math.round(perJob * n);
    const payloadBytes = 60;
    const batched = rawEventInserts(ctx.tempDir(), { rows, perTxn: 1000, payloadBytes, limitMs: 30_000 });
    const single = rawEventInserts(ctx.tempDir(), {
      rows,
      perTxn: 1,
      payloadBytes,
      limitMs: ctx.settings.full ? 10_000 : 3_000,
    });
    const asJobs = (rowsPerS: number) => rowsPerS / perJob;
    ctx.log(
      `raw inserts: ${Math.round(batched.rowsPerS)} rows/s batched, ${Math.round(single.rowsPerS)} rows/s single`,
    );
    ctx.record({
      name: "no-op jobs/s",
      value: jobsPerS,
      unit: "jobs/s",
      better: "higher",
      baseline: { name: "raw inserts ×1000/txn", value: asJobs(batched.rowsPerS) },
      targets: [{ kind: "abs", op: ">=", value: 10_000 }],
    });
    ctx.record({
      name: "no-op jobs/s",
      value: jobsPerS,
      unit: "jobs/s",
      better: "higher",
      baseline: { name: "raw inserts 1/txn", value: asJobs(single.rowsPerS) },
    });
    ctx.note(
      `noop: ${n} queued jobs, ${perJob.toFixed(1)} events per job (JobCreated not counted: written at submission); ` +
        `baselines insert ${rows} event rows (1/txn: ${single.rows} rows in ${single.seconds.toFixed(1)} s, extrapolated).`,
    );
  },
};
