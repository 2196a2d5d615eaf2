/** The gRPC listener: JobService over the same Api as HTTP, plus the standard health service and reflection. */
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Api } from "../../api/api.js";
import type { Listener } from "../../api/listener.js";
import { OrdoError } from "../../errors.js";
import { type EventServiceOptions, eventServiceHandlers } from "./event-service.js";
import { jobServiceHandlers, OpenStreams } from "./job-service.js";
import { eventServiceDefinition, jobServiceDefinition, loadOrdoProtos } from "./proto.js";

export interface GrpcListenerOptions {
  host: string;
  port: number;
  /** How long shutdown waits for in-flight calls before cutting them off. */
  drainTimeoutMs?: number;
  maxReceiveMessageLength?: number;
  /** EventService settings (the shortest ack deadline). */
  events?: EventServiceOptions;
}

const SERVICE = "ordo.v1.JobService";
const EVENT_SERVICE = "ordo.v1.EventService";

export class GrpcListener implements Listener {
  readonly name = "grpc";
  private readonly opts: GrpcListenerOptions;
  private server: grpc.Server | undefined;
  private health: HealthImplementation | undefined;
  private readonly streams = new OpenStreams();

  constructor(opts: GrpcListenerOptions) {
    this.opts = opts;
  }

  async serve(api: Api): Promise<string> {
    const pkg = loadOrdoProtos();
    const server = new grpc.Server({
      "grpc.max_receive_message_length": this.opts.maxReceiveMessageLength ?? 4 * 1024 * 1024,
      // Channelz (per-call and per-socket statistics) is only readable through the channelz service, which ordo
      // does not serve; tracking it cost every call several microseconds.
      "grpc.enable_channelz": 0,
    });
    server.addService(jobServiceDefinition(pkg), jobServiceHandlers(api, this.streams));
    server.addService(eventServiceDefinition(pkg), eventServiceHandlers(api, this.streams, this.opts.events));
    this.health = new HealthImplementation({ "": "SERVING", [SERVICE]: "SERVING", [EVENT_SERVICE]: "SERVING" });
    this.health.addToServer(server);
    new ReflectionService(pkg).addToServer(server);
    const host = this.opts.host.includes(":") ? `[${this.opts.host}]` : this.opts.host;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${this.opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    return `grpc://${host}:${port}`;
  }

  /** Reports NOT_SERVING, ends open streams with UNAVAILABLE, then drains unary calls up to the drain timeout. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.health?.setStatus("", "NOT_SERVING");
    this.health?.setStatus(SERVICE, "NOT_SERVING");
    this.health?.setStatus(EVENT_SERVICE, "NOT_SERVING");
    this.streams.abortAll(
      new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down; resume from your last seq"),
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.opts.drainTimeoutMs ?? 5000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
