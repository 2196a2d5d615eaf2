/** Loads ordo's protos (the source of truth) with @grpc/proto-loader. */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The proto folder at the package root (this file is dist/src/listeners/grpc/proto.js once built). */
export const PROTO_DIR = fileURLToPath(new URL("../../../../proto/", import.meta.url));
export const JOBS_PROTO = "ordo/v1/jobs.proto";
export const EVENTS_PROTO = "ordo/v1/events.proto";
export const STATUS_PROTO = "google/rpc/status.proto";

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export function loadOrdoProtos(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([JOBS_PROTO, EVENTS_PROTO, STATUS_PROTO], LOADER_OPTIONS);
}

export function jobServiceDefinition(pkg: protoLoader.PackageDefinition): grpc.ServiceDefinition {
  return pkg["ordo.v1.JobService"] as grpc.ServiceDefinition;
}

/** A client constructor for JobService (used by the CLI and tests). */
export function jobServiceClient(pkg = loadOrdoProtos()): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(jobServiceDefinition(pkg), "ordo.v1.JobService");
}

export function eventServiceDefinition(pkg: protoLoader.PackageDefinition): grpc.ServiceDefinition {
  return pkg["ordo.v1.EventService"] as grpc.ServiceDefinition;
}

/** A client constructor for EventService (used by the CLI and tests). */
export function eventServiceClient(pkg = loadOrdoProtos()): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(eventServiceDefinition(pkg), "ordo.v1.EventService");
}
