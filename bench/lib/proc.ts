/** Child processes: the ordo server and the baseline servers, each reporting its addresses on a JSON stdout line. */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs as dist/bench/lib/proc.js). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const ORDO_CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
export const BASELINE_SERVER = fileURLToPath(new URL("../baselines/server.js", import.meta.url));

/**
 * The Node flags `ordo` runs with: those on its `#!/usr/bin/env -S node …` line (npm start passes the same), so
 * the benchmarks measure the server as users run it. Baseline servers get them too, for a like-for-like ratio.
 */
export const SERVER_NODE_FLAGS: string[] = (() => {
  const shebang = readFileSync(ORDO_CLI, "utf8").split("\n", 1)[0] ?? "";
  return shebang.split(/\s+/).filter((w) => w.startsWith("--"));
})();

/** Every child still running; killed (by pid) when the orchestrator exits. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export interface Child {
  pid: number;
  /** The first stdout JSON line that `ready` accepted. */
  readyLine: Record<string, unknown>;
  /** The last lines of output, for error messages. */
  tail(): string;
  /** SIGKILL and wait for the exit (benchmark data is thrown away, so no graceful shutdown is needed). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Spawns `node args…` and waits (up to `timeoutMs`) for a stdout JSON line that `ready` accepts. */
export function spawnNode(
  args: string[],
  ready: (line: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Child> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: REPO_ROOT,
  });
  live.add(child);
  const lines: string[] = [];
  const keep = (l: string) => {
    lines.push(l);
    if (lines.length > 20) lines.shift();
  };
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", keep);
  const out = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const tail = () => lines.join("\n");
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`${args.join(" ")}: not ready after ${timeoutMs}ms\n${tail()}`));
    }, timeoutMs);
    let done = false;
    // Keep reading after the ready line: a child blocked on a full stdout pipe would stall.
    out.on("line", (l) => {
      keep(l);
      if (done) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(l);
      } catch {
        return;
      }
      if (typeof parsed === "object" && parsed !== null && ready(parsed as Record<string, unknown>)) {
        done = true;
        clearTimeout(timer);
        resolve({ pid: child.pid as number, readyLine: parsed as Record<string, unknown>, tail, kill, exited });
      }
    });
    void exited.then((code) => {
      if (done) return;
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${code}) before it was ready\n${tail()}`));
    });
  });
}

export interface OrdoProcess extends Child {
  /** http://127.0.0.1:port */
  http: string;
  /** 127.0.0.1:port (no scheme, as grpc-js wants it) */
  grpc: string;
  dataDir: string;
}

export interface OrdoOptions {
  dataDir: string;
  durability: "full" | "normal";
  /** Further `ordo server` flags, e.g. ["--max-running-jobs", "1"]. */
  extra?: string[];
}

/**
 * Starts `ordo server` as a child process. A child (rather than startServer in this process) keeps the load
 * generators off the server's event loop and CPU: on a small machine an in-process server would share one
 * thread with autocannon and the gRPC client, and every figure would measure both. It also makes the RSS figure
 * the server's alone. At --log-level info the server logs one JSON line "ordo serving" with its bound addresses.
 */
export async function spawnOrdo(opts: OrdoOptions): Promise<OrdoProcess> {
  const args = [
    ORDO_CLI,
    "server",
    "--http-addr",
    "127.0.0.1:0",
    "--grpc-addr",
    "127.0.0.1:0",
    "--data-dir",
    opts.dataDir,
    "--server-id",
    "bench",
    "--durability",
    opts.durability,
    "--log-level",
    "info",
    ...(opts.extra ?? []),
  ];
  const child = await spawnNode(args, (l) => l.msg === "ordo serving", 60_000);
  const addresses = child.readyLine.addresses as Record<string, string>;
  return {
    ...child,
    http: addresses.http as string,
    grpc: (addresses.grpc as string).replace(/^grpc:\/\//, ""),
    dataDir: opts.dataDir,
  };
}

export type BaselineMode = "http-constant" | "http-insert" | "grpc-constant" | "ws";

export interface BaselineProcess extends Child {
  /** http://… for the HTTP and WebSocket modes, host:port for gRPC. */
  address: string;
}

/** Starts one of bench/baselines/server.ts's servers as a child process (the same placement as ordo's). */
export async function spawnBaseline(mode: BaselineMode, dataDir: string): Promise<BaselineProcess> {
  const child = await spawnNode([BASELINE_SERVER, mode, dataDir], (l) => typeof l.address === "string");
  return { ...child, address: child.readyLine.address as string };
}

/** Resident set size of a process in MB, from /proc/<pid>/status (null where there is no /proc). */
export function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
