/** ClientTransport over REST v1 (http:// and https:// addresses). */
import type { JobId, JobStatus, JobSummary, TestEvent } from "../../api/types.js";
import { ClientError, EXIT_FAILURE, exitCodeForStatus, isProblem, networkError } from "./errors.js";
import { type HttpReply, httpRequest } from "./http-request.js";
import type {
  ClientTransport,
  ListFilter,
  RetryReply,
  StartReply,
  StopReply,
  TransportOptions,
  VersionReply,
} from "./transport.js";

const REQUESTOR_HEADER = "x-ordo-requestor";
const DEFAULT_TIMEOUT_MS = 30_000;
/** The server's largest page; fewer round trips when following a long list or event log. */
const PAGE = 1000;

interface Page<T> {
  next: number | null;
  jobs?: T[];
  events?: T[];
}

export class HttpTransport implements ClientTransport {
  readonly address: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(url: URL, address: string, opts: TransportOptions) {
    this.address = address;
    // Keep a path prefix (a server behind a reverse proxy at /ordo) but drop query and credentials.
    this.base = url.origin + url.pathname.replace(/\/+$/, "");
    this.headers = { [REQUESTOR_HEADER]: opts.requestor, accept: "application/json" };
    // user:password@ in the address becomes basic auth (the credentials stay out of the request URL).
    if (url.username !== "") {
      const cred = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.headers.authorization = `Basic ${Buffer.from(cred).toString("base64")}`;
    }
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async start(descriptor: Record<string, unknown>): Promise<StartReply> {
    const res = await this.call<StartReply>("POST", "/api/v1/jobs", JSON.stringify(descriptor));
    return { JobID: res.JobID };
  }

  stop(jobId: JobId): Promise<StopReply> {
    return this.call("POST", `/api/v1/jobs/${jobId}/stop`);
  }

  status(jobId: JobId): Promise<JobStatus> {
    return this.call("GET", `/api/v1/jobs/${jobId}`);
  }

  retry(jobId: JobId): Promise<RetryReply> {
    return this.call("POST", `/api/v1/jobs/${jobId}/retry`);
  }

  async list(filter: ListFilter): Promise<JobSummary[]> {
    const all: JobSummary[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const q = new URLSearchParams({ limit: String(PAGE), after: String(after) });
      for (const s of filter.states) q.append("state", s);
      for (const t of filter.tags) q.append("tag", t);
      const page: Page<JobSummary> = await this.call("GET", `/api/v1/jobs?${q}`);
      all.push(...(page.jobs ?? []));
      after = page.next;
    }
    return all;
  }

  version(): Promise<VersionReply> {
    return this.call("GET", "/api/v1/version");
  }

  async events(jobId: JobId, afterSeq: number): Promise<TestEvent[]> {
    const q = new URLSearchParams({ after: String(afterSeq), limit: String(PAGE) });
    const page: Page<TestEvent> = await this.call("GET", `/api/v1/jobs/${jobId}/events?${q}`);
    return page.events ?? [];
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: string): Promise<T> {
    const headers = body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" };
    let res: HttpReply;
    try {
      res = await httpRequest(new URL(this.base + path), { method, headers, body, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw networkError(err, this.address);
    }
    const { text } = res;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status > 299) {
      if (isProblem(parsed)) throw new ClientError(parsed.detail, exitCodeForStatus(res.status), parsed.code);
      const snippet = text.trim().slice(0, 200);
      throw new ClientError(
        `server at ${this.address} replied HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`,
        exitCodeForStatus(res.status),
      );
    }
    if (parsed === undefined)
      throw new ClientError(
        `server at ${this.address} replied with something other than JSON: is it an ordo server?`,
        EXIT_FAILURE,
      );
    return parsed as T;
  }
}
