/**
 * One HTTP request with node:http(s). Not fetch: fetch refuses the "bad ports" of the WHATWG list (6000, 6667,
 * 10080...), where an ordo server may well listen, and hides the system error code deep in its causes.
 */
import http from "node:http";
import https from "node:https";

export interface HttpReply {
  status: number;
  text: string;
}

export interface HttpRequestOptions {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export class RequestTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

export function httpRequest(url: URL, opts: HttpRequestOptions): Promise<HttpReply> {
  const lib = url.protocol === "https:" ? https : http;
  const headers = { ...opts.headers };
  if (opts.body !== undefined) headers["content-length"] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: opts.method, headers, timeout: opts.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    // `timeout` only reports socket inactivity; ending the request is up to us.
    req.on("timeout", () => req.destroy(new RequestTimeoutError(`no reply within ${opts.timeoutMs}ms`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}
