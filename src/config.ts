/** Raw settings (flags, env, "3s"-style durations) compiled once into a frozen OrdoConfig with ms numbers. */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_EVENT_TIMEOUT_MS } from "./api/api.js";
import { OrdoError } from "./errors.js";
import type { CrashPolicy } from "./jobmanager/recovery.js";
import { DEFAULT_BODY_LIMIT } from "./listeners/http/server.js";
import type { Durability } from "./storage/sqlite/sqlite-storage.js";
import type { JobRetentionLimits } from "./storage/storage.js";
import { parseDuration } from "./util/duration.js";

export interface RawConfig {
  httpAddr?: string | false;
  grpcAddr?: string | false;
  dataDir?: string;
  serverId?: string;
  eventTimeout?: string;
  bodyLimit?: number;
  durability?: string;
  logLevel?: string;
  lockTtl?: string;
  maxRunningJobs?: number;
  resumeJobs?: boolean;
  onCrash?: string;
  pauseTimeout?: string;
  /** Where relative paths in descriptors resolve from (default: the process's working directory). */
  cwd?: string;
  /** The event store: retention by age ("168h") and/or by count, and stream settings. */
  eventRetention?: string;
  eventRetentionCount?: number;
  eventRetentionInterval?: string;
  /** Finished jobs: removed by age ("720h") and/or beyond the newest N. */
  jobRetention?: string;
  jobRetentionCount?: number;
  minAckDeadline?: string;
  wsPingInterval?: string;
}

export interface EventStoreConfig {
  /** Log entries older than this are removed; null = kept whatever their age. */
  retentionMaxAgeMs: number | null;
  /** At most this many log entries are kept; null = no count limit. */
  retentionMaxEvents: number | null;
  retentionIntervalMs: number;
  /** The shortest ack deadline a queue reader may ask for (30 s). */
  minAckDeadlineMs: number;
  wsPingIntervalMs: number;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface OrdoConfig {
  /** null = HTTP off. */
  http: HostPort | null;
  /** null = gRPC off. */
  grpc: HostPort | null;
  dataDir: string;
  dbPath: string;
  serverId: string;
  eventTimeoutMs: number;
  bodyLimit: number;
  durability: Durability;
  logLevel: string;
  lockTtlMs: number;
  /** Jobs running at once; the rest wait in the queue. */
  maxRunningJobs: number;
  resumeJobs: boolean;
  onCrash: CrashPolicy;
  /** How long a shutdown waits for running jobs to pause before cancelling them. */
  pauseTimeoutMs: number;
  /** Relative paths inside descriptors resolve from here. */
  cwd: string;
  events: EventStoreConfig;
  /** Finished jobs past these limits are removed online (null limits = kept). */
  jobRetention: Readonly<JobRetentionLimits>;
}

const SERVER_ID_MAX = 64;

function invalid(field: string, message: string): OrdoError {
  return new OrdoError("ORDO_ERR_ARGUMENT_INVALID", `${field}: ${message}`, { field });
}

export function parseHostPort(text: string, field: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw invalid(field, `"${text}" is not host:port`);
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

function duration(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw invalid(field, `"${text}" is not a positive duration (e.g. "3s", "500ms")`);
  return ms;
}

export function compileConfig(raw: RawConfig = {}): Readonly<OrdoConfig> {
  const dataDir = resolve(raw.dataDir ?? "./data");
  const serverId = raw.serverId ?? hostname();
  if (serverId.length === 0 || serverId.length > SERVER_ID_MAX)
    throw invalid("server-id", `must be 1-${SERVER_ID_MAX} characters`);
  const durability = raw.durability ?? "full";
  if (durability !== "full" && durability !== "normal")
    throw invalid("durability", `"${durability}" is not full or normal`);
  const onCrash = raw.onCrash ?? "rerun";
  if (onCrash !== "rerun" && onCrash !== "fail") throw invalid("on-crash", `"${onCrash}" is not rerun or fail`);
  const maxRunningJobs = raw.maxRunningJobs ?? 1000;
  if (!Number.isInteger(maxRunningJobs) || maxRunningJobs < 1)
    throw invalid("max-running-jobs", "must be a positive integer");
  return Object.freeze({
    http: raw.httpAddr === false ? null : parseHostPort(raw.httpAddr ?? "127.0.0.1:8080", "http-addr"),
    grpc: raw.grpcAddr === false ? null : parseHostPort(raw.grpcAddr ?? "127.0.0.1:9090", "grpc-addr"),
    dataDir,
    dbPath: join(dataDir, "ordo.db"),
    serverId,
    eventTimeoutMs: duration(raw.eventTimeout, "event-timeout", DEFAULT_EVENT_TIMEOUT_MS),
    bodyLimit: raw.bodyLimit ?? DEFAULT_BODY_LIMIT,
    durability,
    logLevel: raw.logLevel ?? "info",
    lockTtlMs: duration(raw.lockTtl, "lock-ttl", 30_000),
    maxRunningJobs,
    resumeJobs: raw.resumeJobs ?? true,
    onCrash,
    pauseTimeoutMs: duration(raw.pauseTimeout, "pause-timeout", 30_000),
    cwd: resolve(raw.cwd ?? process.cwd()),
    events: compileEventStoreConfig(raw),
    jobRetention: compileJobRetention(raw),
  });
}

function compileJobRetention(raw: RawConfig): Readonly<JobRetentionLimits> {
  const count = raw.jobRetentionCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 0))
    throw invalid("job-retention-count", "must be a non-negative integer");
  return Object.freeze({
    maxAgeMs: raw.jobRetention === undefined ? null : duration(raw.jobRetention, "job-retention", 0),
    maxJobs: count ?? null,
  });
}

function compileEventStoreConfig(raw: RawConfig): EventStoreConfig {
  const count = raw.eventRetentionCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    throw invalid("event-retention-count", "must be a positive integer");
  return Object.freeze({
    retentionMaxAgeMs: raw.eventRetention === undefined ? null : duration(raw.eventRetention, "event-retention", 0),
    retentionMaxEvents: count ?? null,
    retentionIntervalMs: duration(raw.eventRetentionInterval, "event-retention-interval", 60_000),
    minAckDeadlineMs: duration(raw.minAckDeadline, "min-ack-deadline", 30_000),
    wsPingIntervalMs: duration(raw.wsPingInterval, "ws-ping-interval", 30_000),
  });
}
