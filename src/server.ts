/** The composition root: storage, JobManager, Api and listeners wired together, and closed in reverse order. */
import { type Logger, pino } from "pino";
import { Api } from "./api/api.js";
import type { Listener } from "./api/listener.js";
import type { OrdoConfig } from "./config.js";
import { RetentionTimer } from "./events/retention.js";
import { JobManager } from "./jobmanager/jobmanager.js";
import { GrpcListener } from "./listeners/grpc/server.js";
import { HttpListener } from "./listeners/http/server.js";
import { coreRegistry } from "./plugins/index.js";
import { SqliteStorage } from "./storage/sqlite/sqlite-storage.js";

export interface OrdoServer {
  api: Api;
  jobManager: JobManager;
  storage: SqliteStorage;
  /** Bound addresses by listener name, e.g. { http: "http://127.0.0.1:8080" }. */
  addresses: Record<string, string>;
  log: Logger;
  /**
   * Graceful shutdown. "pause" (SIGTERM/SIGINT): stop accepting work, pause running jobs with their resume
   * state (cancelling what has not paused after the pause timeout). "drain" (SIGUSR1): stop accepting work and
   * let running jobs finish. Then the listeners close (HTTP drains, gRPC streams end) and storage closes.
   */
  shutdown(mode: "pause" | "drain"): Promise<void>;
  /** A second signal: cancel running jobs at once (the shutdown in progress then completes). */
  escalate(): void;
  /** shutdown("pause"). */
  close(): Promise<void>;
}

export async function startServer(
  config: Readonly<OrdoConfig>,
  log: Logger = pino({ level: config.logLevel }),
): Promise<OrdoServer> {
  const storage = new SqliteStorage({
    path: config.dbPath,
    durability: config.durability,
    onFault: (err) => log.warn({ err: err.message }, "storage fault: waiting for it to clear"),
  });
  const api = new Api({ serverId: config.serverId, eventTimeoutMs: config.eventTimeoutMs });
  const jobManager = new JobManager({
    storage,
    registry: coreRegistry(),
    serverId: config.serverId,
    cwd: config.cwd,
    lockTtlMs: config.lockTtlMs,
    maxRunningJobs: config.maxRunningJobs,
    resumeJobs: config.resumeJobs,
    onCrash: config.onCrash,
    log: log.child({ component: "jobmanager" }),
  });
  await jobManager.start(api);
  const retention = new RetentionTimer(storage, {
    maxAgeMs: config.events.retentionMaxAgeMs,
    maxEvents: config.events.retentionMaxEvents,
    jobs: config.jobRetention,
    intervalMs: config.events.retentionIntervalMs,
    log: log.child({ component: "retention" }),
  });
  retention.start();
  const listeners: Listener[] = [];
  if (config.http)
    listeners.push(
      new HttpListener({
        ...config.http,
        bodyLimit: config.bodyLimit,
        logger: log.child({ component: "http" }),
        ws: { pingIntervalMs: config.events.wsPingIntervalMs },
      }),
    );
  if (config.grpc)
    listeners.push(
      new GrpcListener({
        ...config.grpc,
        maxReceiveMessageLength: config.bodyLimit,
        events: { minAckDeadlineMs: config.events.minAckDeadlineMs },
      }),
    );
  const addresses: Record<string, string> = {};
  const abort = new AbortController();
  for (const l of listeners) addresses[l.name] = await l.serve(api, abort.signal);
  log.info({ addresses, serverId: config.serverId, db: config.dbPath }, "ordo serving");

  let closing: Promise<void> | undefined;
  const shutdown = (mode: "pause" | "drain") => {
    closing ??= (async () => {
      log.info({ mode }, "shutting down");
      if (mode === "drain") await jobManager.drain();
      else await jobManager.pauseAll(config.pauseTimeoutMs);
      abort.abort();
      await Promise.allSettled(listeners.map((l) => l.close()));
      await jobManager.close(config.pauseTimeoutMs);
      await retention.close();
      await storage.close();
      log.info("shut down");
    })();
    return closing;
  };
  return {
    api,
    jobManager,
    storage,
    addresses,
    log,
    shutdown,
    escalate: () => jobManager.cancelAll(),
    close: () => shutdown("pause"),
  };
}
