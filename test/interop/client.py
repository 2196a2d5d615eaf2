#!/usr/bin/env python3
"""A non-Node ordo client for the interoperability test (test/interop/python-client.test.ts).

Usage: /usr/bin/python3 client.py <host:port> <descriptor path> <stubs dir>

Starts the descriptor's job over ordo.v1.JobService, follows it with WatchJob until the stream ends (printing one
"event <seq> <name>" line per event), then calls Status and prints, as the last line, one JSON object:
  {"job_id", "state", "events": [names], "seqs": [seqs], "watched_stdout": [...], "status_stdout": [...]}
where *_stdout are the CmdStdout messages in order, from the watched events and from the Status tree, and
"not_found" is how Status of an unknown job (999999) failed: status code name, details, and the google.rpc.ErrorInfo
decoded from the grpc-status-details-bin trailer (stubs for proto/google/rpc/status.proto in the same stubs dir).

Runtime: Debian 12's packages, seen by /usr/bin/python3 (not a pyenv python earlier on PATH):
  python3-grpcio 1.51.1, python3-grpc-tools 1.14.1 (protoc plugin), python3-protobuf 3.21.12 (cpp backend).
The stubs are generated at test time with
  /usr/bin/python3 -m grpc_tools.protoc -I proto --python_out=<dir> --grpc_python_out=<dir> proto/ordo/v1/jobs.proto
grpc_tools 1.14 emits old-style descriptor code (FieldDescriptor(...) calls, no serialized-options builder); the
protobuf 3.21 runtime still accepts it, and the generated *_grpc.py uses only grpc APIs that 1.51 keeps. The
google/protobuf well-known protos (timestamp.proto) come with grpc_tools and the protobuf runtime.
"""

import json
import sys

REQUESTOR = "python-interop"


def rpc_error(method, request, status_pb2):
    """Calls a method that must fail; returns its status code, details and decoded ErrorInfo."""
    import grpc

    try:
        method(request, timeout=30)
    except grpc.RpcError as err:
        info = None
        for key, value in err.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = status_pb2.Status.FromString(value)
                for detail in status.details:
                    if detail.Is(status_pb2.ErrorInfo.DESCRIPTOR):
                        decoded = status_pb2.ErrorInfo()
                        detail.Unpack(decoded)
                        info = {"reason": decoded.reason, "domain": decoded.domain, "metadata": dict(decoded.metadata)}
        return {"code": err.code().name, "details": err.details(), "error_info": info}
    return None


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, descriptor_path, stubs_dir = sys.argv[1:4]
    sys.path.insert(0, stubs_dir)

    import grpc
    from google.rpc import status_pb2
    from ordo.v1 import jobs_pb2, jobs_pb2_grpc

    with open(descriptor_path, encoding="utf-8") as f:
        descriptor = f.read()

    with grpc.insecure_channel(target) as channel:
        stub = jobs_pb2_grpc.JobServiceStub(channel)
        started = stub.Start(jobs_pb2.StartRequest(descriptor=descriptor, requestor=REQUESTOR), timeout=30)
        job_id = started.job_id
        print(f"started job {job_id}", flush=True)

        events = []
        for ev in stub.WatchJob(jobs_pb2.WatchJobRequest(job_id=job_id, requestor=REQUESTOR), timeout=120):
            print(f"event {ev.seq} {ev.event_name}", flush=True)
            events.append(ev)

        status = stub.Status(jobs_pb2.StatusRequest(job_id=job_id, requestor=REQUESTOR), timeout=30).status
        not_found = rpc_error(stub.Status, jobs_pb2.StatusRequest(job_id="999999", requestor=REQUESTOR), status_pb2)

    def stdout_of(evs):
        return [json.loads(e.payload_json)["Msg"] for e in evs if e.event_name == "CmdStdout"]

    status_events = [
        ev
        for run in status.run_statuses
        for test in run.test_statuses
        for step in test.step_statuses
        for ev in step.events
    ]
    print(
        json.dumps(
            {
                "job_id": job_id,
                "state": jobs_pb2.JobState.Name(status.state),
                "events": [e.event_name for e in events],
                "seqs": [e.seq for e in events],
                "watched_stdout": stdout_of(events),
                "status_stdout": stdout_of(status_events),
                "not_found": not_found,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
