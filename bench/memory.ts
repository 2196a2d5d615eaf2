/**
 * Memory: VmRSS (/proc/<pid>/status) of the server process holding K finished jobs (1-step no-op jobs submitted
 * over REST to a server with --durability normal, to store them quickly, and run to completion in it) with S
 * WebSocket subscribers connected. Baseline: the same server's RSS right after start with an empty database.
 */
import type { Benchmark } from "./lib/context.js";
import { OrdoDb } from "./lib/db.js";
import { oneStep, REST_HEADERS } from "./lib/descriptor.js";
import { httpLoad } from "./lib/http-load.js";
import { rssMb, spawnOrdo } from "./lib/proc.js";
import { sleep, waitFor } from "./lib/stats.js";
import { probe, Subscribers, wsUrl } from "./lib/subscribers.js";

const SUBSCRIBERS = 1000;

export const memory: Benchmark = {
  name: "memory",
  limitS: (full) => (full ? 600 : 90),
  async run(ctx) {
    const k = ctx.settings.full ? 100_000 : 10_000;
    const server = await spawnOrdo({ dataDir: ctx.tempDir(), durability: "normal" });
    ctx.defer(() => server.kill());
    await sleep(500, ctx.signal);
    const fresh = rssMb(server.pid);

    const t0 = Date.now();
    const sub = await httpLoad({
      url: server.http,
      method: "POST",
      path: () => "/api/v1/jobs",
      headers: REST_HEADERS,
      body: (i) => oneStep(`mem-${i}`),
      connections: 50,
      amount: k,
      check: (s) => s === 201,
      signal: ctx.signal,
    });
    const db = new OrdoDb(server.dataDir);
    ctx.defer(() => db.close());
    const done = await waitFor(() => db.unfinishedJobs() === 0, (ctx.settings.full ? 480 : 70) * 1000, ctx.signal, 250);
    const finished = db.jobCount() - db.unfinishedJobs();
    const storeS = (Date.now() - t0) / 1000;
    ctx.log(`${finished} jobs stored and finished in ${storeS.toFixed(1)} s (submitted at ${Math.round(sub.rps)}/s)`);
    if (sub.ok !== k || !done)
      ctx.note(`memory: ${sub.ok}/${k} submitted, ${finished} finished${done ? "" : " at the time limit"}`);
    await sleep(1000, ctx.signal);
    const withJobs = rssMb(server.pid);

    let subscribers = 0;
    const p = await probe(wsUrl(server.http));
    if (p.ok) {
      const subs = await Subscribers.connect(wsUrl(server.http), SUBSCRIBERS);
      ctx.defer(() => subs.close());
      subscribers = SUBSCRIBERS;
      await sleep(2000, ctx.signal);
    } else ctx.note(`memory: no subscribers connected (GET /api/v1/ws/events: ${p.why})`);
    const rss = rssMb(server.pid);
    ctx.log(
      `RSS: fresh ${fresh?.toFixed(0)} MB, with jobs ${withJobs?.toFixed(0)} MB, with subscribers ${rss?.toFixed(0)} MB`,
    );
    ctx.record({
      name: `RSS, ${finished.toLocaleString("en-US")} jobs + ${subscribers} subs`,
      value: rss,
      unit: "MB",
      better: "lower",
      baseline: { name: "fresh server", value: fresh },
      targets: [{ kind: "abs", op: "<=", value: 250 }],
    });
    ctx.note(
      `memory: RSS ${withJobs?.toFixed(0)} MB with the jobs before subscribers connected; jobs stored at ` +
        `${Math.round(finished / storeS)}/s end to end with --durability normal (REST submissions ${Math.round(sub.rps)}/s).`,
    );
  },
};
