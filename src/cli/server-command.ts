/**
 * `ordo server`: serves the Api until a signal. SIGTERM/SIGINT pause running jobs (resumed at the next start),
 * SIGUSR1 lets them finish first; a second signal cancels what still runs. Fatal errors shut down the same way.
 */
import closeWithGrace from "close-with-grace";
import type { Command } from "commander";
import { pino } from "pino";
import type { OrdoServer } from "../server.js";

interface ServerFlags {
  httpAddr: string;
  http: boolean;
  grpcAddr: string;
  grpc: boolean;
  dataDir: string;
  serverId?: string;
  eventTimeout: string;
  durability: string;
  bodyLimit?: number;
  logLevel: string;
  maxRunningJobs: number;
  resumeJobs: boolean;
  onCrash: string;
  pauseTimeout: string;
  eventRetention?: string;
  eventRetentionCount?: number;
  jobRetention?: string;
  jobRetentionCount?: number;
}

const int = (v: string) => Number.parseInt(v, 10);

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the ordo server (HTTP on --http-addr, gRPC on --grpc-addr, data in --data-dir)")
    .option("--http-addr <host:port>", "HTTP listen address", "127.0.0.1:8080")
    .option("--no-http", "do not serve HTTP")
    .option("--grpc-addr <host:port>", "gRPC listen address", "127.0.0.1:9090")
    .option("--no-grpc", "do not serve gRPC")
    .option("--data-dir <dir>", "where the SQLite database lives", "./data")
    .option("--server-id <id>", "server ID reported in responses (default: host name)")
    .option("--event-timeout <duration>", "bound on handing a request to the job manager and on its reply", "3s")
    .option("--durability <mode>", "full (fsync every commit) or normal", "full")
    .option("--body-limit <bytes>", "largest request body accepted", int)
    .option("--max-running-jobs <n>", "jobs running at once; more wait in the queue", int, 1000)
    .option("--no-resume-jobs", "leave paused jobs paused at start-up")
    .option("--on-crash <policy>", "jobs a crash left running: rerun (the interrupted attempt) or fail", "rerun")
    .option("--pause-timeout <duration>", "how long shutdown waits for jobs to pause before cancelling them", "30s")
    .option("--event-retention <duration>", "remove event log entries older than this (e.g. 168h; default: keep)")
    .option("--event-retention-count <n>", "keep at most this many event log entries (default: all)", int)
    .option("--job-retention <duration>", "remove finished jobs that ended longer ago than this (default: keep)")
    .option("--job-retention-count <n>", "keep at most this many finished jobs (default: all)", int)
    .option("--log-level <level>", "trace, debug, info, warn, error", "info")
    .action(async (opts: ServerFlags) => {
      // Loaded here, not at the top: client commands share this binary and need none of the server stack.
      const [{ compileConfig }, { startServer }] = await Promise.all([import("../config.js"), import("../server.js")]);
      const config = compileConfig({
        httpAddr: opts.http ? opts.httpAddr : false,
        grpcAddr: opts.grpc ? opts.grpcAddr : false,
        dataDir: opts.dataDir,
        serverId: opts.serverId,
        eventTimeout: opts.eventTimeout,
        durability: opts.durability,
        bodyLimit: opts.bodyLimit,
        logLevel: opts.logLevel,
        maxRunningJobs: opts.maxRunningJobs,
        resumeJobs: opts.resumeJobs,
        onCrash: opts.onCrash,
        pauseTimeout: opts.pauseTimeout,
        eventRetention: opts.eventRetention,
        eventRetentionCount: opts.eventRetentionCount,
        jobRetention: opts.jobRetention,
        jobRetentionCount: opts.jobRetentionCount,
      });
      const log = pino({ level: config.logLevel });
      // Signals are handled from before start-up: one arriving after recovery has resumed jobs but before the
      // listeners are up must pause those jobs once the server is up, not kill the process (a "crash" that would
      // re-run their attempts at the next start).
      let server: OrdoServer | undefined;
      let early: "pause" | "drain" | undefined;
      let signals = 0;
      const shutdown = (up: OrdoServer, mode: "pause" | "drain") =>
        up.shutdown(mode).then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      const onSignal = (mode: "pause" | "drain") => (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 2) {
          // A third signal: the operator wants out now (e.g. storage is down and nothing can be recorded).
          log.warn({ signal }, "third signal: exiting without waiting; running jobs are recovered at the next start");
          process.exit(1);
        }
        log.info({ signal }, signals === 1 ? `shutting down (${mode})` : "second signal: cancelling running jobs");
        if (!server) early ??= mode;
        else if (signals > 1) server.escalate();
        else shutdown(server, mode);
      };
      process.on("SIGTERM", onSignal("pause"));
      process.on("SIGINT", onSignal("pause"));
      process.on("SIGUSR1", onSignal("drain"));
      server = await startServer(config, log);
      if (early) {
        shutdown(server, early);
        if (signals > 1) server.escalate();
      }
      // Uncaught errors: log, pause what runs, exit non-zero.
      // Signals are handled above (a second one must cancel and record it, not exit at once).
      const skip: closeWithGrace.AllEvents[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR2", "beforeExit"];
      closeWithGrace({ delay: config.pauseTimeoutMs + 5000, logger: log, skip }, async ({ err }) => {
        if (err) log.error({ err }, "fatal error, shutting down");
        await server.shutdown("pause");
      });
    });
}
