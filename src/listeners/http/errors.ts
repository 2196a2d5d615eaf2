/** Turns fastify's own errors into ordo errors at the edge, and ordo errors into problem+json replies. */
import type { FastifyReply } from "fastify";
import { coerceError, type ErrorCode, OrdoError } from "../../errors.js";
import { statusFor, type TransportStatus } from "../error-mapping.js";

/** HTTP statuses more precise than their error kind's; HTTP-only concepts, so they live with the HTTP listener. */
const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, Pick<TransportStatus, "http" | "title">>> = {
  ORDO_ERR_METHOD_NOT_ALLOWED: { http: 405, title: "Method Not Allowed" },
  ORDO_ERR_MEDIA_TYPE_UNSUPPORTED: { http: 415, title: "Unsupported Media Type" },
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: unknown;
}

export function fromFastifyError(err: unknown): OrdoError {
  if (err instanceof OrdoError) return err;
  const e = err as FastifyLikeError;
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new OrdoError("ORDO_ERR_BODY_TOO_LARGE", "request body is larger than the server's limit");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new OrdoError(
        "ORDO_ERR_MEDIA_TYPE_UNSUPPORTED",
        "content-type is not supported: send application/json or application/yaml (form fields on ConTest verbs)",
        { field: "content-type" },
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new OrdoError("ORDO_ERR_DESCRIPTOR_INVALID", "descriptor: is empty");
  }
  if (e.validation) return new OrdoError("ORDO_ERR_ARGUMENT_INVALID", e.message);
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)
    return new OrdoError("ORDO_ERR_ARGUMENT_INVALID", e.message);
  return coerceError(err);
}

/** RFC 9457 problem details. */
export function sendProblem(reply: FastifyReply, err: unknown, instance?: string): FastifyReply {
  const e = fromFastifyError(err);
  const status = HTTP_STATUS_BY_CODE[e.code] ?? statusFor(e.kind);
  if (e.kind === "timeout" || e.kind === "overloaded" || e.kind === "unavailable") reply.header("Retry-After", "1");
  return reply
    .code(status.http)
    .type("application/problem+json")
    .send({
      type: `https://ordo.dev/errors/${e.code}`,
      title: status.title,
      status: status.http,
      detail: e.message,
      code: e.code,
      ...(e.field ? { field: e.field } : {}),
      ...(instance ? { instance } : {}),
    });
}
