/**
 * Status read latency: GET /api/v1/jobs/{id} of finished 3-step jobs (their full status tree) from a few
 * rate-limited readers, first on an idle server (the baseline), then while REST submissions run at about half the
 * rate the submit benchmark reached (the server also runs the jobs those submissions create).
 */
import type { BenchContext, Benchmark } from "./lib/context.js";
import { OrdoDb } from "./lib/db.js";
import { REST_HEADERS, threeSteps } from "./lib/descriptor.js";
import { type HttpLoadResult, httpLoad } from "./lib/http-load.js";
import { type OrdoProcess, spawnOrdo } from "./lib/proc.js";
import { sleep, waitFor } from "./lib/stats.js";

const READERS = 4;
const READ_RATE = 200;
const PRESUBMIT = 200;
let targets = 0;

function submissions(ctx: BenchContext, url: string, opts: { amount?: number; durationS?: number; rate?: number }) {
  return httpLoad({
    url,
    method: "POST",
    path: () => "/api/v1/jobs",
    headers: REST_HEADERS,
    body: () => threeSteps(`status-${targets++}`),
    connections: 50,
    ...opts,
    ...(opts.rate !== undefined ? { overallRate: opts.rate } : {}),
    check: (s) => s === 201,
    signal: ctx.signal,
  });
}

function reads(ctx: BenchContext, server: OrdoProcess, jobs: number, durationS: number): Promise<HttpLoadResult> {
  return httpLoad({
    url: server.http,
    method: "GET",
    path: () => `/api/v1/jobs/${1 + Math.floor(Math.random() * jobs)}`,
    connections: READERS,
    overallRate: READ_RATE,
    durationS,
    check: (s) => s === 200,
    signal: ctx.signal,
  });
}

export const status: Benchmark = {
  name: "status",
  limitS: (full) => (full ? 150 : 45),
  async run(ctx) {
    const durationS = ctx.settings.full ? 15 : 5;
    const server = await spawnOrdo({ dataDir: ctx.tempDir(), durability: ctx.settings.durability });
    ctx.defer(() => server.kill());
    const db = new OrdoDb(server.dataDir);
    ctx.defer(() => db.close());

    const pre = await submissions(ctx, server.http, { amount: PRESUBMIT });
    if (pre.ok !== PRESUBMIT) throw new Error(`pre-submission: ${pre.ok}/${PRESUBMIT} (${pre.firstFailure})`);
    if (!(await waitFor(() => db.unfinishedJobs() === 0, 30_000, ctx.signal)))
      throw new Error("pre-submitted jobs did not finish in 30 s");

    let maxRps = ctx.shared.restMaxRps;
    if (maxRps === undefined) {
      maxRps = (await submissions(ctx, server.http, { durationS: 3 })).rps;
      ctx.note("status: no submit figure from this run; measured REST max here (3 s) for the load");
      await waitFor(() => db.unfinishedJobs() === 0, 30_000, ctx.signal);
    }
    const idle = await reads(ctx, server, PRESUBMIT, Math.min(durationS, 5));
    ctx.log(`idle: p50 ${idle.latency.p50.toFixed(2)} ms, p99 ${idle.latency.p99.toFixed(2)} ms (${idle.ok} reads)`);

    const rate = maxRps / 2;
    const load = submissions(ctx, server.http, { durationS: durationS + 2, rate });
    await sleep(1000, ctx.signal);
    const loaded = await reads(ctx, server, PRESUBMIT, durationS);
    const submitted = await load;
    ctx.log(
      `under ${Math.round(submitted.rps)} submissions/s: p50 ${loaded.latency.p50.toFixed(2)} ms, ` +
        `p99 ${loaded.latency.p99.toFixed(2)} ms (${loaded.ok} reads)`,
    );
    for (const [what, r] of [
      ["reads", loaded],
      ["idle reads", idle],
      ["submissions", submitted],
    ] as const)
      if (r.failed) ctx.note(`status: ${r.failed} failed ${what} (first: ${r.firstFailure ?? "connection error"})`);

    const base = "idle server";
    ctx.record({
      name: "status p50 under load",
      value: loaded.latency.p50,
      unit: "ms",
      better: "lower",
      baseline: { name: base, value: idle.latency.p50 },
    });
    ctx.record({
      name: "status p99 under load",
      value: loaded.latency.p99,
      unit: "ms",
      better: "lower",
      baseline: { name: base, value: idle.latency.p99 },
      targets: [{ kind: "abs", op: "<=", value: 5 }],
    });
    ctx.note(
      `status: ${READERS} readers at ${READ_RATE} reads/s in all, random finished 3-step jobs; load = REST ` +
        `submissions aimed at ${Math.round(rate)}/s (half of ${Math.round(maxRps)}), reached ${Math.round(submitted.rps)}/s.`,
    );
  },
};
