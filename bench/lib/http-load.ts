/** HTTP load over loopback with autocannon; latencies are taken per response (float ms) rather than autocannon's integer-ms histogram. */
import autocannon from "autocannon";
import { type Summary, summarize } from "./stats.js";

export interface HttpLoadOptions {
  /** http://127.0.0.1:port */
  url: string;
  method: "GET" | "POST";
  /** The path of request `i` (default "/"). */
  path?: (i: number) => string;
  headers?: Record<string, string>;
  /** The body of request `i`. */
  body?: (i: number) => string;
  connections: number;
  /** Run for this long… */
  durationS?: number;
  /** …or until this many requests are answered. */
  amount?: number;
  /** Requests per second over all connections (open-ish loop); unset = as fast as replies come. */
  overallRate?: number;
  /** Whether a reply counts as a success (default: a 2xx status). Given the body when set. */
  check?: (status: number, body: string) => boolean;
  signal?: AbortSignal;
}

export interface HttpLoadResult {
  /** Successful replies. */
  ok: number;
  /** Replies that failed the check, plus connection errors and timeouts. */
  failed: number;
  elapsedS: number;
  /** Successful replies per second. */
  rps: number;
  latency: Summary;
  /** The first failed reply's status and body, for the notes. */
  firstFailure?: string;
}

export function httpLoad(opts: HttpLoadOptions): Promise<HttpLoadResult> {
  let n = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const latencies: number[] = [];
  const check = opts.check;
  const request: autocannon.Request = {
    method: opts.method,
    setupRequest: (req) => {
      const i = n++;
      return { ...req, path: opts.path ? opts.path(i) : "/", ...(opts.body ? { body: opts.body(i) } : {}) };
    },
    ...(check
      ? {
          onResponse: (status: number, body: string) => {
            if (check(status, body)) ok++;
            else {
              failed++;
              firstFailure ??= `${status} ${body.slice(0, 300)}`;
            }
          },
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 5 }),
        ...(opts.overallRate !== undefined ? { overallRate: Math.max(1, Math.round(opts.overallRate)) } : {}),
        headers: opts.headers ?? {},
        requests: [request],
        timeout: 30,
      },
      (err, result) => {
        opts.signal?.removeEventListener("abort", stop);
        if (err) return reject(err);
        const elapsedS = result.duration;
        failed += result.errors;
        if (!check) {
          ok = result["2xx"];
          failed += result.non2xx;
        }
        resolve({
          ok,
          failed,
          elapsedS,
          rps: elapsedS > 0 ? ok / elapsedS : 0,
          latency: summarize(latencies),
          ...(firstFailure ? { firstFailure } : {}),
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
    const stop = () => instance.stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
  });
}
