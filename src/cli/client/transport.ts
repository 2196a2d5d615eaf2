/**
 * The client's view of a server: one small interface, one implementation per address scheme, so commands never
 * know which wire they talk over (http(s):// over REST v1, grpc:// over ordo.v1.JobService).
 */
import type { JobId, JobStateName, JobStatus, JobSummary, TestEvent } from "../../api/types.js";
import { usageError } from "./errors.js";
import { GrpcTransport } from "./grpc-transport.js";
import { HttpTransport } from "./http-transport.js";

export interface StartReply {
  JobID: JobId;
}
export interface StopReply {
  JobID: JobId;
}
export interface RetryReply {
  JobID: JobId;
  NewJobID: JobId;
}
export interface VersionReply {
  Version: number;
  ServerID: string;
}

export interface ListFilter {
  /** Any of these states. */
  states: JobStateName[];
  /** All of these tags. */
  tags: string[];
}

export interface ClientTransport {
  /** The address as the user gave it, for messages. */
  readonly address: string;
  /** Submits a descriptor (an object with Version filled in). */
  start(descriptor: Record<string, unknown>): Promise<StartReply>;
  stop(jobId: JobId): Promise<StopReply>;
  status(jobId: JobId): Promise<JobStatus>;
  retry(jobId: JobId): Promise<RetryReply>;
  /** Every matching job, oldest first (the transport follows pages). */
  list(filter: ListFilter): Promise<JobSummary[]>;
  version(): Promise<VersionReply>;
  /** One page of a job's events with a sequence number above `afterSeq`, in order; empty when there are none yet. */
  events(jobId: JobId, afterSeq: number): Promise<TestEvent[]>;
  /** A live stream of the job's events after `afterSeq`, when the transport has one (else callers poll `events`). */
  follow?(jobId: JobId, afterSeq?: number): AsyncIterable<TestEvent>;
}

export interface TransportOptions {
  requestor: string;
  /** Bound on each request. */
  timeoutMs?: number;
}

type TransportFactory = (url: URL, address: string, opts: TransportOptions) => ClientTransport;

/** Scheme → implementation; a new transport registers its schemes here. */
const TRANSPORTS: Record<string, TransportFactory> = {
  "http:": (url, address, opts) => new HttpTransport(url, address, opts),
  "https:": (url, address, opts) => new HttpTransport(url, address, opts),
  "grpc:": (url, address, opts) => new GrpcTransport(url, address, opts),
  "grpcs:": (url, address, opts) => new GrpcTransport(url, address, opts),
};

/** Parses the address; a bare host:port (as `ordo server --http-addr` takes) means http. */
export function parseAddress(address: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  try {
    return new URL(withScheme);
  } catch {
    throw usageError(`invalid server address "${address}": expected e.g. http://127.0.0.1:8080`);
  }
}

export function transportFor(address: string, opts: TransportOptions): ClientTransport {
  const url = parseAddress(address);
  const factory = TRANSPORTS[url.protocol];
  if (factory) return factory(url, address, opts);
  const scheme = url.protocol.slice(0, -1);
  throw usageError(`unsupported scheme "${scheme}" in server address "${address}": use http://, https:// or grpc://`);
}
