/** REST v1: JSON in and out under /api/v1, schema-validated, described by the OpenAPI document. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Api, parseJobId } from "../../api/api.js";
import { API_VERSION, type JobStateName } from "../../api/types.js";
import { listValues } from "../../util/list-values.js";

const REQUESTOR_HEADER = "x-ordo-requestor";
/** Reads don't change anything, so they need no declared requestor. */
const ANONYMOUS = "anonymous";
const MAX_PAGE = 1000;

const IdParams = Type.Object({ id: Type.String({ description: "Job ID (a positive integer)" }) });
type IdParams = Static<typeof IdParams>;

const ListQuery = Type.Object({
  state: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: "Any of these states (repeat or comma-separate)",
    }),
  ),
  tag: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: "All of these tags" })),
  requestor: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: "Cursor: jobs with a higher ID than this" })),
});
type ListQuery = Static<typeof ListQuery>;

const EventsQuery = Type.Object({
  run: Type.Optional(Type.Integer({ minimum: 1 })),
  test: Type.Optional(Type.String()),
  step: Type.Optional(Type.String({ description: "Step label" })),
  name: Type.Optional(Type.String({ description: "Event name" })),
  target: Type.Optional(Type.String({ description: "Target ID" })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: "Cursor: events with a higher sequence number" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 500 })),
});
type EventsQuery = Static<typeof EventsQuery>;

const StartHeaders = Type.Object({
  "x-ordo-requestor": Type.Optional(Type.String()),
  "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    field: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
  },
  { description: "RFC 9457 problem details" },
);
const errors = { 400: Problem, 404: Problem, 409: Problem, 413: Problem, 503: Problem };

function requestorOf(req: FastifyRequest, fallback?: string): string {
  const h = req.headers[REQUESTOR_HEADER];
  const q = (req.query as { requestor?: unknown } | undefined)?.requestor;
  const v = typeof h === "string" ? h : typeof q === "string" && req.method !== "GET" ? q : undefined;
  return v ?? fallback ?? "";
}

export function registerRestRoutes(app: FastifyInstance, api: Api): void {
  app.post(
    "/api/v1/jobs",
    {
      schema: {
        summary: "Submit a job",
        description:
          "Body: a ConTest job descriptor as JSON (application/json) or YAML (application/yaml). " +
          "The requestor comes from the X-Ordo-Requestor header (1-32 chars). An Idempotency-Key header makes a " +
          "resubmission return the first job.",
        tags: ["jobs"],
        headers: StartHeaders,
        body: Type.Unknown({ description: "The job descriptor" }),
        response: {
          201: Type.Object({ JobID: Type.Integer(), Existing: Type.Boolean() }),
          200: Type.Object({ JobID: Type.Integer(), Existing: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const key = req.headers["idempotency-key"];
      const res = await api.start(requestorOf(req), req.body as string, typeof key === "string" ? key : undefined);
      return reply
        .code(res.Existing ? 200 : 201)
        .header("Location", `/api/v1/jobs/${res.JobID}`)
        .send(res);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    "/api/v1/jobs",
    { schema: { summary: "List jobs", tags: ["jobs"], querystring: ListQuery, response: { 400: Problem } } },
    async (req) => {
      const limit = req.query.limit ?? 100;
      const jobs = await api.list(requestorOf(req, ANONYMOUS), {
        states: listValues(req.query.state) as JobStateName[],
        tags: listValues(req.query.tag),
        requestor: req.query.requestor,
        afterId: req.query.after,
        limit: limit + 1,
      });
      const page = jobs.slice(0, limit);
      return { jobs: page, next: jobs.length > limit ? (page.at(-1)?.JobID ?? null) : null };
    },
  );

  app.get<{ Params: IdParams }>(
    "/api/v1/jobs/:id",
    {
      schema: {
        summary: "Job status (ConTest's status tree)",
        tags: ["jobs"],
        params: IdParams,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (req) => api.status(requestorOf(req, ANONYMOUS), parseJobId(req.params.id)),
  );

  app.post<{ Params: IdParams }>(
    "/api/v1/jobs/:id/stop",
    {
      schema: {
        summary: "Stop (cancel) a running job",
        tags: ["jobs"],
        params: IdParams,
        response: { 202: Type.Object({ JobID: Type.Integer() }), ...errors },
      },
    },
    async (req, reply) => {
      const id = parseJobId(req.params.id);
      await api.stop(requestorOf(req), id);
      return reply.code(202).send({ JobID: id });
    },
  );

  app.post<{ Params: IdParams }>(
    "/api/v1/jobs/:id/retry",
    {
      schema: {
        summary: "Run a finished job again as a new job",
        tags: ["jobs"],
        params: IdParams,
        response: { 201: Type.Object({ JobID: Type.Integer(), NewJobID: Type.Integer() }), ...errors },
      },
    },
    async (req, reply) => {
      const res = await api.retry(requestorOf(req), parseJobId(req.params.id));
      return reply.code(201).header("Location", `/api/v1/jobs/${res.NewJobID}`).send(res);
    },
  );

  app.get<{ Params: IdParams; Querystring: EventsQuery }>(
    "/api/v1/jobs/:id/events",
    {
      schema: {
        summary: "A job's events, filtered and paged by sequence number",
        tags: ["jobs"],
        params: IdParams,
        querystring: EventsQuery,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 500;
      const events = await api.jobEvents(requestorOf(req, ANONYMOUS), parseJobId(req.params.id), {
        runId: q.run,
        testName: q.test,
        stepLabel: q.step,
        eventName: q.name,
        targetId: q.target,
        afterSeq: q.after,
        limit: limit + 1,
      });
      const page = events.slice(0, limit);
      return { events: page, next: events.length > limit ? (page.at(-1)?.Seq ?? null) : null };
    },
  );

  app.get<{ Params: IdParams }>(
    "/api/v1/jobs/:id/report",
    {
      schema: {
        summary: "Run and final reports",
        tags: ["jobs"],
        params: IdParams,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (req) => api.report(requestorOf(req, ANONYMOUS), parseJobId(req.params.id)),
  );

  app.get("/api/v1/version", { schema: { summary: "API version and server ID", tags: ["server"] } }, async () => ({
    Version: API_VERSION,
    ServerID: api.serverId,
  }));

  app.get("/healthz", { schema: { summary: "Liveness", tags: ["server"] } }, async () => ({ status: "ok" }));
}
