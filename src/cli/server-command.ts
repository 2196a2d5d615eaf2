/** `ordo server`: serves the Api until a signal; shuts down gracefully (a second signal exits at once). */
import closeWithGrace from "close-with-grace";
import type { Command } from "commander";
import { pino } from "pino";
import { compileConfig } from "../config.js";
import { startServer } from "../server.js";

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the ordo server (HTTP on --http-addr, data in --data-dir)")
    .option("--http-addr <host:port>", "HTTP listen address", "127.0.0.1:8080")
    .option("--no-http", "do not serve HTTP")
    .option("--grpc-addr <host:port>", "gRPC listen address", "127.0.0.1:9090")
    .option("--no-grpc", "do not serve gRPC")
    .option("--data-dir <dir>", "where the SQLite database lives", "./data")
    .option("--server-id <id>", "server ID reported in responses (default: host name)")
    .option("--event-timeout <duration>", "bound on handing a request to the job manager and on its reply", "3s")
    .option("--durability <mode>", "full (fsync every commit) or normal", "full")
    .option("--body-limit <bytes>", "largest request body accepted", (v) => Number.parseInt(v, 10))
    .option("--log-level <level>", "trace, debug, info, warn, error", "info")
    .action(
      async (opts: {
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
      }) => {
        const config = compileConfig({
          httpAddr: opts.http ? opts.httpAddr : false,
          grpcAddr: opts.grpc ? opts.grpcAddr : false,
          dataDir: opts.dataDir,
          serverId: opts.serverId,
          eventTimeout: opts.eventTimeout,
          durability: opts.durability,
          bodyLimit: opts.bodyLimit,
          logLevel: opts.logLevel,
        });
        const log = pino({ level: config.logLevel });
        const server = await startServer(config, log);
        closeWithGrace({ delay: 10_000, logger: log }, async ({ signal, err }) => {
          if (err) log.error({ err }, "fatal error, shutting down");
          else log.info({ signal }, "shutting down");
          await server.close();
        });
      },
    );
}
