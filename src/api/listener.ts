/** A transport (HTTP, gRPC...) that serves the Api. Every transport implements this, so behaviour never differs. */
import type { Api } from "./api.js";

export interface Listener {
  readonly name: string;
  /** Starts serving; resolves with the bound address once the listener accepts requests. */
  serve(api: Api, signal: AbortSignal): Promise<string>;
  /** Stops accepting, drains in-flight requests, and resolves when closed. */
  close(): Promise<void>;
}
