/**
 * Ordo errors as gRPC errors: the status code comes from the shared mapping table, and a google.rpc.Status with
 * an ErrorInfo detail (reason = ordo's error code) travels in `grpc-status-details-bin`.
 */
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { coerceError, type OrdoError } from "../../errors.js";
import { statusFor } from "../error-mapping.js";
import { PROTO_DIR, STATUS_PROTO } from "./proto.js";

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : PROTO_DIR + target);
root.loadSync(STATUS_PROTO, { keepCase: true });
const StatusType = root.lookupType("google.rpc.Status");
const ErrorInfoType = root.lookupType("google.rpc.ErrorInfo");

export const ERROR_DOMAIN = "ordo.dev";

export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const e: OrdoError = coerceError(err);
  const code = statusFor(e.kind).grpc;
  const info = ErrorInfoType.encode(
    ErrorInfoType.create({ reason: e.code, domain: ERROR_DOMAIN, metadata: e.field ? { field: e.field } : {} }),
  ).finish();
  const details = StatusType.encode(
    StatusType.create({
      code,
      message: e.message,
      details: [{ type_url: "type.googleapis.com/google.rpc.ErrorInfo", value: info }],
    }),
  ).finish();
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(details));
  metadata.set("ordo-error-code", e.code);
  return { code, details: e.message, metadata };
}

/** Reads ordo's error code and field back from a gRPC error (for clients and tests). */
export function errorInfoOf(err: grpc.ServiceError): { reason: string; field?: string } | undefined {
  const bin = err.metadata?.get("grpc-status-details-bin")[0];
  if (!(bin instanceof Buffer)) return undefined;
  const status = StatusType.toObject(StatusType.decode(bin)) as { details?: { type_url: string; value: Uint8Array }[] };
  const detail = status.details?.find((d) => d.type_url.endsWith("google.rpc.ErrorInfo"));
  if (!detail) return undefined;
  const info = ErrorInfoType.toObject(ErrorInfoType.decode(detail.value)) as {
    reason: string;
    metadata?: Record<string, string>;
  };
  return { reason: info.reason, ...(info.metadata?.field ? { field: info.metadata.field } : {}) };
}
