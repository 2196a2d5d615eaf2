/** The composition root: storage, JobManager, Api and listeners wired together, and closed in reverse order. */
import { type Logger, pino } from "pino";
import { Api } from "./api/api.js";
import type { Listener } from "./api/listener.js";
import type { OrdoConfig } from "./config.js";
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
  close(): Promise<void>;
}

export async function startServer(
  config: Readonly<OrdoConfig>,
  log: Logger = pino({ level: config.logLevel }),
): Promise<OrdoServer> {
  const storage = new SqliteStorage({ path: config.dbPath, durability: config.durability });
  const api = new Api({ serverId: config.serverId, eventTimeoutMs: config.eventTimeoutMs });
  const jobManager = new JobManager({
    storage,
    registry: coreRegistry(),
    serverId: config.serverId,
    cwd: config.cwd,
    lockTtlMs: config.lockTtlMs,
    log: log.child({ component: "jobmanager" }),
  });
  await jobManager.start(api);
  const listeners: Listener[] = [];
  if (config.http)
    listeners.push(
      new HttpListener({ ...config.http, bodyLimit: config.bodyLimit, logger: log.child({ component: "http" }) }),
    );
  if (config.grpc) listeners.push(new GrpcListener({ ...config.grpc, maxReceiveMessageLength: config.bodyLimit }));
  const addresses: Record<string, string> = {};
  const abort = new AbortController();
  for (const l of listeners) addresses[l.name] = await l.serve(api, abort.signal);
  log.info({ addresses, serverId: config.serverId, db: config.dbPath }, "ordo serving");

  let closing: Promise<void> | undefined;
  return {
    api,
    jobManager,
    storage,
    addresses,
    log,
    close() {
      closing ??= (async () => {
        abort.abort();
        await Promise.allSettled(listeners.map((l) => l.close()));
        await jobManager.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
