/** A grpc-js client of ordo.v1.JobService and a closed-loop load generator of unary Start calls. */
import * as grpc from "@grpc/grpc-js";
import { jobServiceClient } from "../../src/listeners/grpc/proto.js";
import { type Summary, summarize } from "./stats.js";

export interface StartRequest {
  descriptor: string;
  requestor: string;
  idempotency_key?: string;
}
export interface StartResponse {
  job_id: string;
  existing: boolean;
}
export interface Timestamp {
  seconds: number;
  nanos: number;
}
export interface WatchEvent {
  seq: number;
  job_id: string;
  event_name: string;
  emit_time: Timestamp | null;
}

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;

/** The methods the benchmarks call, typed (grpc-js clients made from a loaded proto are untyped). */
export interface JobServiceClient extends grpc.Client {
  Start(req: StartRequest, cb: Callback<StartResponse>): grpc.ClientUnaryCall;
  WatchJob(req: { job_id: string; from_seq?: number; requestor: string }): grpc.ClientReadableStream<WatchEvent>;
}

const Ctor = jobServiceClient();

/** One client = one channel = one HTTP/2 connection. */
export function jobService(address: string): JobServiceClient {
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as JobServiceClient;
}

export function timestampMs(t: Timestamp | null): number | null {
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : null;
}

export function startOnce(client: JobServiceClient, req: StartRequest): Promise<StartResponse> {
  return new Promise((resolve, reject) =>
    client.Start(req, (err, res) => (err || !res ? reject(err ?? new Error("no reply")) : resolve(res))),
  );
}

export interface GrpcLoadResult {
  ok: number;
  failed: number;
  elapsedS: number;
  rps: number;
  latency: Summary;
  firstFailure?: string;
}

/**
 * `inFlight` concurrent unary Start calls, each issuing the next as soon as it is answered, for `durationMs`;
 * spread over `channels` connections (grpc-js multiplexes calls on one HTTP/2 connection per channel).
 */
export async function grpcLoad(opts: {
  address: string;
  inFlight: number;
  channels: number;
  durationMs: number;
  request: (i: number) => StartRequest;
  signal?: AbortSignal;
}): Promise<GrpcLoadResult> {
  const clients = Array.from({ length: opts.channels }, () => jobService(opts.address));
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve()))),
    ),
  );
  let n = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + opts.durationMs;
  const worker = async (w: number) => {
    const client = clients[w % clients.length] as JobServiceClient;
    while (performance.now() < end && !opts.signal?.aborted) {
      const started = performance.now();
      try {
        await startOnce(client, opts.request(n++));
        ok++;
        latencies.push(performance.now() - started);
      } catch (err) {
        failed++;
        firstFailure ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, (_, w) => worker(w)));
  const elapsedS = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return {
    ok,
    failed,
    elapsedS,
    rps: ok / elapsedS,
    latency: summarize(latencies),
    ...(firstFailure ? { firstFailure } : {}),
  };
}
