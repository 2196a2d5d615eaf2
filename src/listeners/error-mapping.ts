/** The one table from an error's kind to each transport's status. A new kind does not compile until mapped here. */
import type { ErrorKind } from "../errors.js";

/** gRPC status codes (numeric, as in grpc-js `status`), kept here so the table needs no transport import. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export interface TransportStatus {
  http: number;
  grpc: number;
  title: string;
}

export function statusFor(kind: ErrorKind): TransportStatus {
  switch (kind) {
    case "invalid":
      return { http: 400, grpc: GrpcCode.INVALID_ARGUMENT, title: "Bad Request" };
    case "not_found":
      return { http: 404, grpc: GrpcCode.NOT_FOUND, title: "Not Found" };
    case "conflict":
      return { http: 409, grpc: GrpcCode.FAILED_PRECONDITION, title: "Conflict" };
    case "gone":
      return { http: 410, grpc: GrpcCode.OUT_OF_RANGE, title: "Gone" };
    case "timeout":
      return { http: 503, grpc: GrpcCode.DEADLINE_EXCEEDED, title: "Service Unavailable" };
    case "overloaded":
      return { http: 503, grpc: GrpcCode.RESOURCE_EXHAUSTED, title: "Service Unavailable" };
    case "unavailable":
      return { http: 503, grpc: GrpcCode.UNAVAILABLE, title: "Service Unavailable" };
    case "too_large":
      return { http: 413, grpc: GrpcCode.RESOURCE_EXHAUSTED, title: "Payload Too Large" };
    case "internal":
      return { http: 500, grpc: GrpcCode.INTERNAL, title: "Internal Server Error" };
    default: {
      const unmapped: never = kind;
      throw new Error(`unmapped error kind ${String(unmapped)}`);
    }
  }
}
