/** ordo.v1.JobService handlers: each one calls the same Api as the HTTP faces and converts the result. */
import { once } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import { type Api, parseJobId } from "../../api/api.js";
import type { JobStateName } from "../../api/types.js";
import { jobStatus, jobSummary, logEvent } from "./convert.js";
import { toServiceError } from "./errors.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Reads don't change anything, so they need no declared requestor (as over REST v1 and the WebSocket). */
const ANONYMOUS = "anonymous";

interface WithRequestor {
  requestor: string;
}
interface JobRef extends WithRequestor {
  job_id: string;
}
interface StartRequest extends WithRequestor {
  descriptor: string;
  idempotency_key: string;
}
interface ListRequest extends WithRequestor {
  states: string[];
  tags: string[];
  submitted_by: string;
  page_size: number;
  page_token: string;
}
interface WatchJobRequest extends JobRef {
  from_seq: number;
}

type Unary<Req> = (request: Req) => Promise<object>;

/** The requestor of a read: the declared one, else anonymous (proto3 cannot tell "" from absent). */
function reader(r: WithRequestor): string {
  return r.requestor || ANONYMOUS;
}

function unary<Req>(fn: Unary<Req>): grpc.handleUnaryCall<Req, object> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

/** Tracks open WatchJob streams so shutdown can end them cleanly. */
export class OpenStreams {
  private readonly streams = new Set<AbortController>();
  add(c: AbortController): () => void {
    this.streams.add(c);
    return () => this.streams.delete(c);
  }
  abortAll(reason: unknown): void {
    for (const c of this.streams) c.abort(reason);
  }
}

export function jobServiceHandlers(api: Api, streams: OpenStreams): grpc.UntypedServiceImplementation {
  return {
    Start: unary<StartRequest>(async (r) => {
      const res = await api.start(r.requestor, r.descriptor, r.idempotency_key || undefined);
      return { job_id: String(res.JobID), existing: res.Existing };
    }),
    Stop: unary<JobRef>(async (r) => api.stop(r.requestor, parseJobId(r.job_id))),
    Status: unary<JobRef>(async (r) => ({ status: jobStatus(await api.status(reader(r), parseJobId(r.job_id))) })),
    Retry: unary<JobRef>(async (r) => {
      const res = await api.retry(r.requestor, parseJobId(r.job_id));
      return { job_id: String(res.JobID), new_job_id: String(res.NewJobID) };
    }),
    List: unary<ListRequest>(async (r) => {
      const limit = Math.min(r.page_size || DEFAULT_PAGE, MAX_PAGE);
      const jobs = await api.list(reader(r), {
        states: r.states as JobStateName[],
        tags: r.tags,
        requestor: r.submitted_by || undefined,
        afterId: r.page_token ? parseJobId(r.page_token) : undefined,
        limit: limit + 1,
      });
      const page = jobs.slice(0, limit);
      return {
        jobs: page.map(jobSummary),
        next_page_token: jobs.length > limit ? String(page.at(-1)?.JobID ?? "") : "",
      };
    }),
    Version: unary<object>(async () => ({ version: api.version().Version, server_id: api.serverId })),
    WatchJob: (call: grpc.ServerWritableStream<WatchJobRequest, object>) => {
      const abort = new AbortController();
      const forget = streams.add(abort);
      call.on("cancelled", () => abort.abort());
      (async () => {
        const r = call.request;
        const events = await api.watch(reader(r), parseJobId(r.job_id), Number(r.from_seq) || 0, abort.signal);
        for await (const e of events) {
          if (!call.write(logEvent(e))) await once(call, "drain", { signal: abort.signal });
        }
        if (abort.signal.aborted && abort.signal.reason !== undefined) throw abort.signal.reason;
        call.end();
      })()
        .catch((err: unknown) => {
          // An abort also ends a wait for "drain" (with an AbortError): report why the stream was aborted.
          if (!call.cancelled) call.emit("error", toServiceError(abort.signal.aborted ? abort.signal.reason : err));
        })
        .finally(forget);
    },
  };
}
