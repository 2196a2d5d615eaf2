/** ClientTransport over gRPC (grpc:// plaintext addresses): ordo.v1.JobService, WatchJob for following. */
import * as grpc from "@grpc/grpc-js";
import type { JobId, JobStatus, JobSummary, TestEvent } from "../../api/types.js";
import { errorInfoOf } from "../../listeners/grpc/errors.js";
import { jobServiceClient } from "../../listeners/grpc/proto.js";
import { ClientError, EXIT_FAILURE, EXIT_USAGE } from "./errors.js";
import { jobStatus, jobSummary, type PbEvent, type PbJobStatus, type PbJobSummary, testEvent } from "./grpc-convert.js";
import type {
  ClientTransport,
  ListFilter,
  RetryReply,
  StartReply,
  StopReply,
  TransportOptions,
  VersionReply,
} from "./transport.js";

const DEFAULT_TIMEOUT_MS = 30_000;
const PAGE = 1000;
/** How long `events` waits for the next event before returning the page it has. */
const QUIET_MS = 300;
/** gRPC codes that mean the request itself was wrong (exit 2): INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION. */
const INPUT_ERRORS = new Set([grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION]);

type Unary = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => void;

export class GrpcTransport implements ClientTransport {
  readonly address: string;
  private readonly client: grpc.Client;
  private readonly requestor: string;
  private readonly timeoutMs: number;

  constructor(url: URL, address: string, opts: TransportOptions) {
    if (url.protocol === "grpcs:")
      throw new ClientError("grpcs:// (TLS) is not supported yet: use grpc://", EXIT_USAGE);
    this.address = address;
    const Client = jobServiceClient();
    this.client = new Client(url.host, grpc.credentials.createInsecure());
    this.requestor = opts.requestor;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private error(err: grpc.ServiceError): ClientError {
    if (err.code === grpc.status.UNAVAILABLE && !errorInfoOf(err))
      return new ClientError(`cannot reach the ordo server at ${this.address}: ${err.details}`, EXIT_FAILURE);
    return new ClientError(
      err.details,
      INPUT_ERRORS.has(err.code) ? EXIT_USAGE : EXIT_FAILURE,
      errorInfoOf(err)?.reason,
    );
  }

  private call<T>(method: string, req: object): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method]?.bind(this.client);
    if (!fn) return Promise.reject(new ClientError(`unknown method ${method}`));
    return new Promise<T>((resolve, reject) =>
      fn(
        { requestor: this.requestor, ...req },
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err, res) => (err ? reject(this.error(err)) : resolve(res as T)),
      ),
    );
  }

  async start(descriptor: Record<string, unknown>): Promise<StartReply> {
    const res = await this.call<{ job_id: string }>("Start", { descriptor: JSON.stringify(descriptor) });
    return { JobID: Number(res.job_id) };
  }

  async stop(jobId: JobId): Promise<StopReply> {
    await this.call("Stop", { job_id: String(jobId) });
    return { JobID: jobId };
  }

  async status(jobId: JobId): Promise<JobStatus> {
    const res = await this.call<{ status: PbJobStatus }>("Status", { job_id: String(jobId) });
    return jobStatus(res.status);
  }

  async retry(jobId: JobId): Promise<RetryReply> {
    const res = await this.call<{ job_id: string; new_job_id: string }>("Retry", { job_id: String(jobId) });
    return { JobID: Number(res.job_id), NewJobID: Number(res.new_job_id) };
  }

  async list(filter: ListFilter): Promise<JobSummary[]> {
    const all: JobSummary[] = [];
    let token = "";
    do {
      const res = await this.call<{ jobs: PbJobSummary[]; next_page_token: string }>("List", {
        states: filter.states,
        tags: filter.tags,
        page_size: PAGE,
        page_token: token,
      });
      all.push(...res.jobs.map(jobSummary));
      token = res.next_page_token;
    } while (token);
    return all;
  }

  async version(): Promise<VersionReply> {
    const res = await this.call<{ version: number; server_id: string }>("Version", {});
    return { Version: res.version, ServerID: res.server_id };
  }

  /** One page of events after `afterSeq`: what WatchJob sends before it goes quiet for a moment. */
  async events(jobId: JobId, afterSeq: number): Promise<TestEvent[]> {
    const out: TestEvent[] = [];
    const it = this.follow(jobId, afterSeq);
    try {
      while (out.length < PAGE) {
        let timer: NodeJS.Timeout | undefined;
        const quiet = new Promise<"quiet">((r) => {
          timer = setTimeout(() => r("quiet"), QUIET_MS);
        });
        const next = await Promise.race([it.next(), quiet]);
        clearTimeout(timer);
        if (next === "quiet" || next.done) break;
        out.push(next.value);
      }
    } finally {
      await it.return(undefined);
    }
    return out;
  }

  /** The job's events after `afterSeq`, live, until the job ends (WatchJob). */
  async *follow(jobId: JobId, afterSeq = 0): AsyncGenerator<TestEvent> {
    const watch = (this.client as unknown as Record<string, (req: object) => grpc.ClientReadableStream<PbEvent>>)
      .WatchJob;
    const stream = watch?.call(this.client, { job_id: String(jobId), from_seq: afterSeq, requestor: this.requestor });
    if (!stream) throw new ClientError("WatchJob is not available");
    try {
      for await (const e of stream) yield testEvent(e as PbEvent);
    } catch (err) {
      throw this.error(err as grpc.ServiceError);
    } finally {
      stream.cancel();
    }
  }
}
