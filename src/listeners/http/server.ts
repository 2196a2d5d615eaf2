/** The HTTP listener: one fastify server with two faces over the same Api, ConTest's form verbs and REST v1. */
import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Api } from "../../api/api.js";
import type { Listener } from "../../api/listener.js";
import { OrdoError } from "../../errors.js";
import { contestArgumentError, isContestPath, registerContestRoutes } from "./contest.js";
import { sendProblem } from "./errors.js";
import { parseForm } from "./form.js";
import { LazyChildLogger } from "./lazy-logger.js";
import { registerRestRoutes } from "./rest.js";
import { type EventSocketOptions, registerEventSocket } from "./ws.js";

export interface HttpListenerOptions {
  host: string;
  port: number;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  logger?: FastifyBaseLogger | false;
  /** The event log's WebSocket (ping interval, back-pressure). */
  ws?: EventSocketOptions;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
const TEXT_TYPES = ["application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/plain"];

/** Route patterns by path, to tell "no such path" (404) from "wrong method" (405). */
function methodsByPath(app: FastifyInstance): (url: string) => string[] {
  const routes: { re: RegExp; method: string }[] = [];
  app.addHook("onRoute", (r) => {
    const re = new RegExp(`^${r.url.replace(/:[^/]+/g, "[^/]+")}/?$`);
    for (const m of [r.method].flat()) if (m !== "HEAD") routes.push({ re, method: m });
  });
  return (url) => {
    const path = url.split("?")[0] ?? "";
    return [...new Set(routes.filter((r) => r.re.test(path)).map((r) => r.method))];
  };
}

export async function buildHttpApp(api: Api, opts: HttpListenerOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger || undefined,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, opts) => new LazyChildLogger(logger, bindings, opts),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: "array", removeAdditional: false } },
  });
  const allowed = methodsByPath(app);
  // Descriptor bodies stay text: the job manager parses JSON and YAML itself, so errors read the same on every face.
  app.addContentTypeParser(TEXT_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));
  await app.register(formbody, { bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT, parser: parseForm });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "ordo",
        version: "1",
        description: "Job orchestration: ConTest-compatible job descriptors over REST.",
      },
      tags: [
        { name: "jobs", description: "Submit, follow, stop and retry jobs" },
        { name: "server", description: "Server information" },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.setErrorHandler((err, req, reply) => {
    if (isContestPath(req.url)) return contestArgumentError(reply, err);
    if (reply.statusCode >= 500 || !(err instanceof OrdoError)) req.log.debug({ err }, "request failed");
    return sendProblem(reply, err, req.url);
  });
  app.setNotFoundHandler((req, reply) => {
    const methods = allowed(req.url);
    if (methods.length > 0) {
      const err = new OrdoError(
        "ORDO_ERR_METHOD_NOT_ALLOWED",
        `method ${req.method} is not allowed on ${req.url.split("?")[0]}: use ${methods.join(", ")}`,
      );
      if (isContestPath(req.url)) return contestArgumentError(reply, err);
      return sendProblem(reply.header("Allow", methods.join(", ")), err, req.url);
    }
    return sendProblem(
      reply,
      new OrdoError("ORDO_ERR_ROUTE_NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`),
      req.url,
    );
  });

  registerContestRoutes(app, api);
  registerRestRoutes(app, api);
  await registerEventSocket(app, api, opts.ws);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export class HttpListener implements Listener {
  readonly name = "http";
  private app: FastifyInstance | undefined;
  private readonly opts: HttpListenerOptions;

  constructor(opts: HttpListenerOptions) {
    this.opts = opts;
  }

  async serve(api: Api): Promise<string> {
    this.app = await buildHttpApp(api, this.opts);
    await this.app.listen({ host: this.opts.host, port: this.opts.port });
    const addr = this.app.server.address();
    if (addr === null || typeof addr === "string") return String(addr);
    return `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}
