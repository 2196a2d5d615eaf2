/**
 * Enqueue → first step start, sequential: POST one 3-step job over REST, open WatchJob (gRPC) on it, and take
 * the first TargetIn event's EmitTime minus the wall-clock time just before the POST (same host clock). The next
 * job is submitted once the stream ends (the job has finished), so the server is idle at each submission.
 * EmitTime has 1 ms resolution (ordo stores Date.now()); the WatchJob receipt time is printed as an upper bound.
 * Baseline: the same sequential loop of POSTs to bare fastify + one SQLite insert (one durable round trip).
 */
import type { Benchmark } from "./lib/context.js";
import { REST_HEADERS, threeSteps } from "./lib/descriptor.js";
import { type JobServiceClient, jobService, timestampMs } from "./lib/grpc.js";
import { spawnBaseline, spawnOrdo } from "./lib/proc.js";
import { summarize, wallNow } from "./lib/stats.js";

const WARMUP = 10;
const SAMPLE_TIMEOUT_MS = 10_000;

/** Resolves with the first TargetIn's EmitTime and receipt time, once the job's stream has ended. */
function firstTargetIn(client: JobServiceClient, jobId: string): Promise<{ emit: number; seen: number }> {
  return new Promise((resolve, reject) => {
    const stream = client.WatchJob({ job_id: jobId, requestor: "bench" });
    let found: { emit: number; seen: number } | undefined;
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error(`job ${jobId}: no end within ${SAMPLE_TIMEOUT_MS} ms`));
    }, SAMPLE_TIMEOUT_MS);
    stream.on("data", (e: { event_name: string; emit_time: { seconds: number; nanos: number } | null }) => {
      if (found || e.event_name !== "TargetIn") return;
      found = { emit: timestampMs(e.emit_time) ?? Number.NaN, seen: wallNow() };
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.on("end", () => {
      clearTimeout(timer);
      if (found) resolve(found);
      else reject(new Error(`job ${jobId}: stream ended without TargetIn`));
    });
  });
}

export const enqueue: Benchmark = {
  name: "enqueue",
  limitS: (full) => (full ? 180 : 40),
  async run(ctx) {
    const samples = ctx.settings.full ? 1000 : 200;

    const base = await spawnBaseline("http-insert", ctx.tempDir());
    ctx.defer(() => base.kill());
    const baseLat: number[] = [];
    for (let i = 0; i < WARMUP + samples && !ctx.signal.aborted; i++) {
      const t0 = wallNow();
      const res = await fetch(`${base.address}/api/v1/jobs`, {
        method: "POST",
        headers: REST_HEADERS,
        body: threeSteps(`enq-base-${i}`),
      });
      await res.arrayBuffer();
      if (i >= WARMUP) baseLat.push(wallNow() - t0);
    }
    await base.kill();
    const b = summarize(baseLat);

    const server = await spawnOrdo({ dataDir: ctx.tempDir(), durability: ctx.settings.durability });
    ctx.defer(() => server.kill());
    const client = jobService(server.grpc);
    ctx.defer(() => client.close());
    const emitLat: number[] = [];
    const seenLat: number[] = [];
    for (let i = 0; i < WARMUP + samples && !ctx.signal.aborted; i++) {
      const t0 = wallNow();
      const res = await fetch(`${server.http}/api/v1/jobs`, {
        method: "POST",
        headers: REST_HEADERS,
        body: threeSteps(`enq-${i}`),
      });
      const body = (await res.json()) as { JobID?: number };
      if (res.status !== 201 || body.JobID === undefined) throw new Error(`submit: ${res.status}`);
      const { emit, seen } = await firstTargetIn(client, String(body.JobID));
      if (i < WARMUP) continue;
      emitLat.push(emit - t0);
      seenLat.push(seen - t0);
    }
    const e = summarize(emitLat);
    const s = summarize(seenLat);
    ctx.log(
      `${e.count} samples: EmitTime p50 ${e.p50.toFixed(2)} ms, p99 ${e.p99.toFixed(2)} ms; ` +
        `receipt p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms; baseline p50 ${b.p50.toFixed(2)} ms`,
    );
    const baseName = "seq. POST fastify+insert";
    ctx.record({
      name: "enqueue→first step p50",
      value: e.p50,
      unit: "ms",
      better: "lower",
      baseline: { name: baseName, value: b.p50 },
      targets: [{ kind: "abs", op: "<=", value: 0.5 }],
    });
    ctx.record({
      name: "enqueue→first step p99",
      value: e.p99,
      unit: "ms",
      better: "lower",
      baseline: { name: baseName, value: b.p99 },
      targets: [{ kind: "abs", op: "<=", value: 3 }],
    });
    ctx.note(
      `enqueue: ${e.count} sequential samples after ${WARMUP} warm-up; EmitTime of the first TargetIn (1 ms ` +
        `resolution) minus the time before the POST; seen by WatchJob (upper bound): p50 ${s.p50.toFixed(2)} ms, ` +
        `p99 ${s.p99.toFixed(2)} ms.`,
    );
  },
};
