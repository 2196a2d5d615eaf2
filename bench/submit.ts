/**
 * Submit throughput and latency: 50 concurrent clients submitting the 3-step descriptor over REST v1, the ConTest
 * form endpoint (autocannon) and gRPC (50 in-flight unary Start calls). Every ordo reply comes after the job is
 * committed (ordo group-commits the writes of one event-loop turn), and each job then runs in the same server.
 * Each measured run has a fresh server and data directory so one run's backlog of running jobs does not slow the
 * next. Baselines: bare fastify answering a constant; bare fastify + one SQLite insert per request in its own
 * transaction (WAL, synchronous=FULL: one fsync per request); bare grpc-js answering a constant.
 */
import type { BenchContext, Benchmark } from "./lib/context.js";
import { contestForm, FORM_HEADERS, REST_HEADERS, threeSteps } from "./lib/descriptor.js";
import { type GrpcLoadResult, grpcLoad } from "./lib/grpc.js";
import { type HttpLoadResult, httpLoad } from "./lib/http-load.js";
import { spawnBaseline, spawnOrdo } from "./lib/proc.js";
import type { Target } from "./lib/report.js";

const CLIENTS = 50;
let targets = 0;
const nextTarget = () => `submit-${targets++}`;

type Face = "rest" | "form";
const created = (status: number) => status === 201;
const contestOk = (status: number, body: string) => status === 200 && body.includes('"Error":null');

function load(ctx: BenchContext, url: string, face: Face, durationS: number): Promise<HttpLoadResult> {
  return httpLoad({
    url,
    method: "POST",
    path: () => (face === "rest" ? "/api/v1/jobs" : "/start"),
    headers: face === "rest" ? REST_HEADERS : FORM_HEADERS,
    body: face === "rest" ? () => threeSteps(nextTarget()) : () => contestForm(threeSteps(nextTarget())),
    connections: CLIENTS,
    durationS,
    check: face === "rest" ? created : contestOk,
    signal: ctx.signal,
  });
}

type Result = HttpLoadResult | GrpcLoadResult;

function report(ctx: BenchContext, label: string, r: Result): void {
  ctx.log(
    `${label}: ${Math.round(r.rps)} req/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms` +
      (r.failed ? `, ${r.failed} failed` : ""),
  );
  if (r.failed) ctx.note(`${label}: ${r.failed} failed replies (first: ${r.firstFailure ?? "connection error"})`);
}

export const submit: Benchmark = {
  name: "submit",
  limitS: (full) => (full ? 300 : 100),
  async run(ctx) {
    const durationS = ctx.settings.full ? 15 : 4;
    const warmS = ctx.settings.full ? 3 : 1;
    const durability = ctx.settings.durability;

    const http = async (label: string, start: () => Promise<{ url: string; kill(): Promise<void> }>, face: Face) => {
      const server = await start();
      ctx.defer(() => server.kill());
      try {
        await load(ctx, server.url, face, warmS);
        const r = await load(ctx, server.url, face, durationS);
        report(ctx, label, r);
        return r;
      } finally {
        await server.kill();
      }
    };
    const baseline = (mode: "http-constant" | "http-insert") => async () => {
      const b = await spawnBaseline(mode, ctx.tempDir());
      return { url: b.address, kill: b.kill };
    };
    const ordo = async () => {
      const o = await spawnOrdo({ dataDir: ctx.tempDir(), durability });
      return { url: o.http, kill: o.kill };
    };
    const grpc = async (label: string, start: () => Promise<{ address: string; kill(): Promise<void> }>) => {
      const server = await start();
      ctx.defer(() => server.kill());
      try {
        const opts = {
          address: server.address,
          inFlight: CLIENTS,
          channels: 1,
          request: () => ({ descriptor: threeSteps(nextTarget()), requestor: "bench" }),
          signal: ctx.signal,
        };
        await grpcLoad({ ...opts, durationMs: warmS * 1000 });
        const r = await grpcLoad({ ...opts, durationMs: durationS * 1000 });
        report(ctx, label, r);
        return r;
      } finally {
        await server.kill();
      }
    };

    // Each ordo face runs right after its baseline, so slow drifts of the machine (a busy disk) hit both alike.
    const constant = await http("bare fastify constant (REST)", baseline("http-constant"), "rest");
    const insert = await http("bare fastify + 1 insert (REST)", baseline("http-insert"), "rest");
    const rest = await http("ordo REST v1", ordo, "rest");
    ctx.shared.restMaxRps = rest.rps;
    const insertForm = await http("bare fastify + 1 insert (form)", baseline("http-insert"), "form");
    const form = await http("ordo ConTest /start", ordo, "form");
    const grpcConstant = await grpc("bare grpc-js constant", async () => {
      const b = await spawnBaseline("grpc-constant", ctx.tempDir());
      return { address: b.address, kill: b.kill };
    });
    const rpc = await grpc("ordo gRPC Start", async () => {
      const o = await spawnOrdo({ dataDir: ctx.tempDir(), durability });
      return { address: o.grpc, kill: o.kill };
    });

    const p99: Target = { kind: "abs", op: "<=", value: 20 };
    const halfBase: Target = { kind: "ratio", op: ">=", value: 0.5 };
    const rows = (face: string, r: Result, base: Result, baseName: string, rateTargets: Target[]) => {
      ctx.record({
        name: `${face} submit rate`,
        value: r.rps,
        unit: "req/s",
        better: "higher",
        baseline: { name: baseName, value: base.rps },
        targets: rateTargets,
      });
      ctx.record({
        name: `${face} submit p50`,
        value: r.latency.p50,
        unit: "ms",
        better: "lower",
        baseline: { name: baseName, value: base.latency.p50 },
      });
      ctx.record({
        name: `${face} submit p99`,
        value: r.latency.p99,
        unit: "ms",
        better: "lower",
        baseline: { name: baseName, value: base.latency.p99 },
        targets: [p99],
      });
    };
    rows("REST", rest, insert, "fastify+insert", [{ kind: "abs", op: ">=", value: 10_000 }, halfBase]);
    ctx.record({
      name: "REST submit rate",
      value: rest.rps,
      unit: "req/s",
      better: "higher",
      baseline: { name: "fastify constant", value: constant.rps },
    });
    rows("ConTest form", form, insertForm, "fastify+insert", [halfBase]);
    rows("gRPC", rpc, grpcConstant, "grpc-js constant", [{ kind: "abs", op: ">=", value: 5_000 }]);
    ctx.note(
      `submit: ${CLIENTS} clients, ${durationS} s per run after ${warmS} s warm-up, 3 echo steps per job, one new target per job; ` +
        "ordo replies after the commit and group-commits one event-loop turn's writes; the fastify+insert baseline " +
        "commits (fsyncs) once per request. gRPC: 50 in-flight calls on one channel.",
    );
  },
};
