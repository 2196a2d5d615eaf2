/** A small promise-based client for ordo.v1.JobService over real gRPC (the generated client from our own proto). */
import * as grpc from "@grpc/grpc-js";
import { jobServiceClient } from "../../src/listeners/grpc/proto.js";

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryMethod = (request: object, callback: Callback) => grpc.ClientUnaryCall;
type StreamMethod = (request: object) => grpc.ClientReadableStream<unknown>;

/** "grpc://127.0.0.1:1234" → "127.0.0.1:1234". */
export function grpcTarget(grpcUrl: string): string {
  return grpcUrl.replace(/^grpc:\/\//, "");
}

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === "number";
}

/** One event as WatchJob sends it (proto-loader options: keepCase, longs as Number, enums as String). */
export interface WireEvent {
  seq: number;
  job_id: string;
  run_id: number;
  test_name: string;
  step_label: string;
  event_name: string;
  payload_json: string;
  entity_type: string;
  operation: string;
}

export class JobServiceClient {
  readonly raw: grpc.Client;

  constructor(grpcUrl: string) {
    const Client = jobServiceClient();
    this.raw = new Client(grpcTarget(grpcUrl), grpc.credentials.createInsecure());
  }

  /** Calls a unary method; rejects with the grpc.ServiceError as received. */
  call<Res>(method: string, request: object): Promise<Res> {
    const fn = (this.raw as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    return new Promise<Res>((resolve, reject) => {
      fn.call(this.raw, request, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  watchJob(request: { job_id: string; from_seq?: number; requestor?: string }): grpc.ClientReadableStream<WireEvent> {
    const fn = (this.raw as unknown as Record<string, StreamMethod>).WatchJob as StreamMethod;
    return fn.call(this.raw, { requestor: "watcher", ...request }) as grpc.ClientReadableStream<WireEvent>;
  }

  close(): void {
    this.raw.close();
  }
}
