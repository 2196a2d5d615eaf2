/**
 * Event fan-out: S WebSocket subscribers on GET /api/v1/ws/events (each sends {"send-everything":true}), then J
 * 3-step jobs submitted; every subscriber must receive every log entry written after the mark (the expected count
 * is read from the database). Deliveries/s = all counted messages / (last receipt − first receipt); lag = receipt
 * time − the entry's event time. Baselines: a bare `ws` server broadcasting the same number of messages of the same
 * size to the same number of subscribers, flat out (for deliveries/s) and paced at the rate ordo produced entries
 * (for the lag). Skipped with a note when the endpoint is missing. A second ordo run has every subscriber ask for
 * batched delivery ("batch":true: one JSON array per batch), entries counted one by one as before.
 */
import type { BenchContext, Benchmark } from "./lib/context.js";
import { OrdoDb } from "./lib/db.js";
import { REST_HEADERS, threeSteps } from "./lib/descriptor.js";
import { httpLoad } from "./lib/http-load.js";
import { spawnBaseline, spawnOrdo } from "./lib/proc.js";
import { sleep, waitFor } from "./lib/stats.js";
import { probe, Subscribers, WS_PATH, wsUrl } from "./lib/subscribers.js";

interface FanoutResult {
  perS: number;
  /** Log entries per second the run produced (ordo: from the entries' times; baseline: as asked). */
  entriesPerS: number;
  p99: number;
  lost: number;
  expected: number;
  avgBytes: number;
}

function summarise(subs: Subscribers, expected: number, entriesPerS: number): FanoutResult {
  const short = subs.shortfall(expected);
  return {
    perS: subs.deliveriesPerS(),
    entriesPerS,
    p99: subs.lag.count ? subs.lag.percentile(99) : Number.NaN,
    lost: short.missing,
    expected,
    avgBytes: subs.counted ? subs.bytes / subs.counted : 0,
  };
}

async function ordoRun(ctx: BenchContext, n: number, jobs: number, batched = false): Promise<FanoutResult | undefined> {
  const server = await spawnOrdo({ dataDir: ctx.tempDir(), durability: ctx.settings.durability });
  ctx.defer(() => server.kill());
  const url = wsUrl(server.http);
  const p = await probe(url);
  if (!p.ok) {
    ctx.note(
      `fanout: skipped: GET ${WS_PATH} ${p.status === 404 ? "answered 404: the endpoint is not in this build yet" : `failed (${p.why})`}.`,
    );
    return undefined;
  }
  const subs = await Subscribers.connect(url, n, batched);
  ctx.defer(() => subs.close());
  const db = new OrdoDb(server.dataDir);
  ctx.defer(() => db.close());
  await sleep(n >= 500 ? 2000 : 500, ctx.signal);
  const mark = db.headSeq();
  subs.reset(mark);
  const sub = await httpLoad({
    url: server.http,
    method: "POST",
    path: () => "/api/v1/jobs",
    headers: REST_HEADERS,
    body: (i) => threeSteps(`fan-${i}`),
    connections: 10,
    amount: jobs,
    check: (s) => s === 201,
    signal: ctx.signal,
  });
  if (sub.ok !== jobs) throw new Error(`submitted ${sub.ok}/${jobs} (${sub.firstFailure})`);
  const limitMs = ctx.settings.full ? 120_000 : 30_000;
  await waitFor(() => db.unfinishedJobs() === 0, limitMs, ctx.signal);
  const head = db.headSeq();
  const expected = db.eventsBetween(mark, head);
  const entriesPerS = expected / db.entrySpanS(mark, head);
  const all = await waitFor(() => subs.shortfall(expected).subscribers === 0, limitMs, ctx.signal);
  await sleep(300, ctx.signal); // anything beyond the expected count (duplicates) shows up as "extra"
  const short = subs.shortfall(expected);
  if (!all) ctx.note(`fanout: ${short.subscribers}/${n} subscribers short of ${expected} messages at the time limit`);
  if (short.extra) ctx.note(`fanout: ${short.extra} messages beyond the expected count (duplicates?)`);
  if (subs.untimed) ctx.note(`fanout: ${subs.untimed} messages without an event time (no lag taken)`);
  if (subs.other) ctx.note(`fanout: ${subs.other} messages without a seq (last: ${subs.lastOther})`);
  subs.close();
  await server.kill();
  return summarise(subs, expected, entriesPerS);
}

/** The bare ws server broadcasting `count` messages of `size` bytes, at `rate` per second or as fast as it can (0). */
async function baselineRun(
  ctx: BenchContext,
  n: number,
  count: number,
  size: number,
  rate: number,
): Promise<FanoutResult> {
  const base = await spawnBaseline("ws", ctx.tempDir());
  ctx.defer(() => base.kill());
  const subs = await Subscribers.connect(wsUrl(base.address), n);
  ctx.defer(() => subs.close());
  await sleep(300, ctx.signal);
  subs.reset(0);
  const pad = Math.max(0, Math.round(size) - 60);
  await fetch(`${base.address}/burst?count=${count}&size=${pad}&rate=${Math.round(rate)}`, { method: "POST" });
  await waitFor(() => subs.shortfall(count).subscribers === 0, 60_000, ctx.signal);
  subs.close();
  await base.kill();
  return summarise(subs, count, rate);
}

export const fanout: Benchmark = {
  name: "fanout",
  limitS: (full) => (full ? 300 : 60),
  async run(ctx) {
    const n = ctx.settings.full ? 1000 : 100;
    const jobs = ctx.settings.full ? 100 : 50;
    const ordo = await ordoRun(ctx, n, jobs);
    const batched = ordo ? await ordoRun(ctx, n, jobs, true) : undefined;
    const count = ordo?.expected ?? jobs * 20;
    const size = ordo?.avgBytes || 220;
    const burst = await baselineRun(ctx, n, count, size, 0);
    const rate = Number.isFinite(ordo?.entriesPerS) ? (ordo?.entriesPerS as number) : 1000;
    const paced = await baselineRun(ctx, n, count, size, rate);
    ctx.log(
      `ordo: ${ordo ? `${Math.round(ordo.perS)} deliveries/s, p99 lag ${ordo.p99.toFixed(1)} ms, ${ordo.lost} lost` : "skipped"}; ` +
        `bare ws: ${Math.round(burst.perS)} deliveries/s flat out, p99 lag ${paced.p99.toFixed(1)} ms at ${Math.round(rate)} entries/s`,
    );
    ctx.record({
      name: `fan-out deliveries/s (${n} subs)`,
      value: ordo?.perS ?? null,
      unit: "msg/s",
      better: "higher",
      baseline: { name: "bare ws, flat out", value: burst.perS },
      targets: [{ kind: "abs", op: ">=", value: 50_000 }],
    });
    ctx.record({
      name: "fan-out p99 lag",
      value: ordo?.p99 ?? null,
      unit: "ms",
      better: "lower",
      baseline: { name: "bare ws, same rate", value: paced.p99 },
      targets: [{ kind: "abs", op: "<=", value: 100 }],
    });
    if (batched) {
      ctx.log(
        `ordo, "batch":true: ${Math.round(batched.perS)} deliveries/s, p99 lag ${batched.p99.toFixed(1)} ms, ${batched.lost} lost`,
      );
      ctx.record({
        name: 'fan-out deliveries/s, "batch":true',
        value: batched.perS,
        unit: "msg/s",
        better: "higher",
        baseline: { name: "per-entry messages", value: ordo?.perS ?? null },
      });
      ctx.record({
        name: 'fan-out p99 lag, "batch":true',
        value: batched.p99,
        unit: "ms",
        better: "lower",
        baseline: { name: "per-entry messages", value: ordo?.p99 ?? null },
      });
      ctx.record({
        name: 'fan-out lost, "batch":true',
        value: batched.lost,
        unit: "msgs",
        better: "lower",
        baseline: { name: "per-entry messages", value: ordo?.lost ?? null },
        targets: [{ kind: "abs", op: "<=", value: 0 }],
      });
    }
    ctx.record({
      name: "fan-out messages lost",
      value: ordo?.lost ?? null,
      unit: "msgs",
      better: "lower",
      baseline: { name: "bare ws", value: burst.lost + paced.lost },
      targets: [{ kind: "abs", op: "<=", value: 0 }],
    });
    if (ordo)
      ctx.note(
        `fanout: ${n} subscribers, ${jobs} jobs, ${ordo.expected} log entries each (${(ordo.expected * n).toLocaleString("en-US")} deliveries expected), ` +
          `~${Math.round(ordo.avgBytes)} B per message, ${Math.round(ordo.entriesPerS)} entries/s; lag = receipt − entry time ` +
          "(set before the commit; 1 ms resolution). Baselines: bare ws broadcasting as many messages flat out, and paced at ordo's entry rate.",
      );
  },
};
