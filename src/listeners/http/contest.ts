/**
 * ConTest-compatible face: `POST /start|/stop|/status|/retry|/list|/version` with form fields, replying with
 * ConTest's envelope so existing contestcli users and scripts work unchanged. As in ConTest, argument and
 * transport errors are HTTP 400 `{"Msg"}`, and the job manager's answers (including its errors) are HTTP 200
 * `{"ServerID","Type","Data","Error"}`. This is the one deliberate exception to ordo's error statuses.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Api, parseJobId, validateRequestor } from "../../api/api.js";
import { OrdoError } from "../../errors.js";
import { listValues } from "../../util/list-values.js";
import { fromFastifyError } from "./errors.js";
import type { Form } from "./form.js";

export const CONTEST_VERBS = ["start", "stop", "status", "retry", "list", "version"] as const;
type Verb = (typeof CONTEST_VERBS)[number];
const RESPONSE_TYPE: Record<Verb, string> = {
  start: "ResponseTypeStart",
  stop: "ResponseTypeStop",
  status: "ResponseTypeStatus",
  retry: "ResponseTypeRetry",
  list: "ResponseTypeList",
  version: "ResponseTypeVersion",
};

function first(form: Form, key: string): string | undefined {
  const v = form[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Argument and transport problems: HTTP 400 {"Msg"}. */
export function contestArgumentError(reply: FastifyReply, err: unknown): FastifyReply {
  return reply.code(400).send({ Msg: fromFastifyError(err).message });
}

async function call(api: Api, verb: Verb, form: Form): Promise<unknown> {
  if (verb === "version") return api.version();
  const requestor = validateRequestor(first(form, "requestor"));
  switch (verb) {
    case "start": {
      const desc = first(form, "jobDesc");
      if (desc === undefined || desc.trim() === "")
        throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", "jobDesc is required", { field: "jobDesc" });
      return { JobID: (await api.start(requestor, desc)).JobID };
    }
    case "stop":
      return api.stop(requestor, parseJobId(first(form, "jobID")));
    case "status":
      return { Status: await api.status(requestor, parseJobId(first(form, "jobID"))) };
    case "retry":
      return api.retry(requestor, parseJobId(first(form, "jobID")));
    case "list": {
      const jobs = await api.list(requestor, {
        states: listValues(form.states) as never[],
        tags: listValues(form.tags),
      });
      return { JobIDs: jobs.map((j) => j.JobID) };
    }
  }
}

export function registerContestRoutes(app: FastifyInstance, api: Api): void {
  for (const verb of CONTEST_VERBS) {
    app.post(`/${verb}`, { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
      const form = (req.body ?? {}) as Form;
      const envelope = (data: unknown, error: string | null) =>
        reply.code(200).send({ ServerID: api.serverId, Type: RESPONSE_TYPE[verb], Data: data, Error: error });
      try {
        return envelope(await call(api, verb, form), null);
      } catch (err) {
        const e = fromFastifyError(err);
        // Bad arguments and a server that cannot answer are transport-level failures in ConTest.
        if (
          e.kind === "timeout" ||
          e.kind === "overloaded" ||
          e.kind === "unavailable" ||
          e.kind === "too_large" ||
          e.code === "ORDO_ERR_ARGUMENT_INVALID" ||
          e.code === "ORDO_ERR_JOB_ID_INVALID" ||
          e.code === "ORDO_ERR_REQUESTOR_INVALID"
        )
          return contestArgumentError(reply, e);
        return envelope(null, e.message);
      }
    });
  }
}

export function isContestPath(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return (CONTEST_VERBS as readonly string[]).includes(path.slice(1));
}
