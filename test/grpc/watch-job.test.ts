/**
 * gRPC streaming and service plumbing over a real server: WatchJob's exactly-once, in-order delivery (also when a
 * client resumes mid-job with from_seq), its end at the job's end, its errors, graceful shutdown, health and
 * reflection.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import type { TestEvent } from "../../src/api/types.js";
import { errorInfoOf } from "../../src/listeners/grpc/errors.js";
import {
  type HttpResult,
  request,
  simpleDescriptor,
  startTestServer,
  type TestServer,
  waitForState,
} from "../helpers.js";
import { grpcTarget, isServiceError, JobServiceClient, type WireEvent } from "./client.js";

const TERMINAL_EVENTS = new Set([
  "JobStateCompleted",
  "JobStateFailed",
  "JobStateCancelled",
  "JobStateCancellationFailed",
  "JobStatePauseFailed",
]);

/** A job of `steps` cmd steps of `sleep 0.2` each on its own target: long enough to join while it runs. */
function napJob(name: string, steps = 4): string {
  return JSON.stringify(
    simpleDescriptor({
      name,
      targets: [`${name}-target`],
      steps: Array.from({ length: steps }, (_, i) => ({
        name: "cmd",
        label: `nap${i}`,
        parameters: { executable: ["sleep"], args: ["0.2"] },
      })),
    }),
  );
}

async function startJob(client: JobServiceClient, descriptor: string): Promise<string> {
  const res = await client.call<{ job_id: string }>("Start", { descriptor, requestor: "watcher" });
  return res.job_id;
}

/** Every event of the job as the REST events endpoint pages them (small pages, `after` cursor). */
async function restEvents(url: string, jobId: string): Promise<TestEvent[]> {
  const all: TestEvent[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const res: HttpResult<{ events: TestEvent[]; next: number | null }> = await request(
      url,
      `/api/v1/jobs/${jobId}/events?limit=3&after=${after}`,
    );
    assert.equal(res.status, 200, res.text);
    all.push(...res.body.events);
    after = res.body.next;
  }
  return all;
}

/** Reads a stream to its end; returns the events and how it ended (null = OK). */
async function drain(
  stream: grpc.ClientReadableStream<WireEvent>,
  into: WireEvent[] = [],
  onEvent: (e: WireEvent) => void = () => {},
): Promise<{ events: WireEvent[]; error: grpc.ServiceError | null }> {
  try {
    for await (const e of stream) {
      into.push(e as WireEvent);
      onEvent(e as WireEvent);
    }
    return { events: into, error: null };
  } catch (err) {
    if (!isServiceError(err)) throw err;
    return { events: into, error: err };
  }
}

function assertStrictlyIncreasing(seqs: number[]): void {
  for (let i = 1; i < seqs.length; i++)
    assert.ok((seqs[i] ?? 0) > (seqs[i - 1] ?? 0), `seq ${seqs[i]} after ${seqs[i - 1]} at ${i}`);
}

describe("WatchJob", () => {
  let srv: TestServer;
  let client: JobServiceClient;
  before(async () => {
    srv = await startTestServer();
    client = new JobServiceClient(srv.grpcUrl);
  });
  after(async () => {
    client?.close();
    await srv?.close();
  });

  test("delivers every event of a job exactly once and in order, and ends when the job ends", async () => {
    const jobId = await startJob(client, napJob("whole"));
    const { events, error } = await drain(client.watchJob({ job_id: jobId }));
    assert.equal(error, null, error?.details);
    const seqs = events.map((e) => e.seq);
    assertStrictlyIncreasing(seqs);
    assert.ok(events.every((e) => e.job_id === jobId));
    assert.equal(events.at(-1)?.event_name, "JobStateCompleted", "the stream ends with the job's terminal event");
    assert.equal(events.filter((e) => TERMINAL_EVENTS.has(e.event_name)).length, 1);
    assert.equal(events.filter((e) => e.event_name === "CmdEnd").length, 4);
    // The stream ended because the job did: the job is over when the stream is.
    const rest = await restEvents(srv.url, jobId);
    assert.deepEqual(
      seqs,
      rest.map((e) => e.Seq),
    );
    assert.deepEqual(
      events.map((e) => e.event_name),
      rest.map((e) => e.EventName),
    );
  });

  test("a client that reconnects mid-job with from_seq gets the rest exactly once, in order", async () => {
    const jobId = await startJob(client, napJob("resumed"));
    const first: WireEvent[] = [];
    const stream = client.watchJob({ job_id: jobId });
    for await (const e of stream) {
      first.push(e as WireEvent);
      if (first.length === 3) break;
    }
    stream.cancel();
    assert.equal(first.length, 3);
    assert.ok(!first.some((e) => TERMINAL_EVENTS.has(e.event_name)), "reconnecting while the job still runs");
    const status = await client.call<{ status: { state: string } }>("Status", { job_id: jobId, requestor: "watcher" });
    assert.equal(status.status.state, "JobStateStarted", "the job still runs when the client reconnects");

    const lastSeen = first.at(-1)?.seq ?? 0;
    const { events: second, error } = await drain(client.watchJob({ job_id: jobId, from_seq: lastSeen }));
    assert.equal(error, null, error?.details);
    assert.ok(second.length > 0);
    assert.ok(
      second.every((e) => e.seq > lastSeen),
      "nothing at or before from_seq is sent again",
    );
    const union = [...first, ...second].map((e) => e.seq);
    assertStrictlyIncreasing(union);
    assert.equal(new Set(union).size, union.length, "no duplicates");
    assert.deepEqual(
      union,
      (await restEvents(srv.url, jobId)).map((e) => e.Seq),
    );
    assert.equal(second.at(-1)?.event_name, "JobStateCompleted");
  });

  test("watching a finished job replays its events and ends; from its last seq it ends at once", async () => {
    const jobId = await startJob(client, napJob("finished", 1));
    await waitForState(srv.url, Number(jobId), ["JobStateCompleted"]);
    // Watching is a read: it needs no declared requestor.
    const { events, error } = await drain(client.watchJob({ job_id: jobId, requestor: "" }));
    assert.equal(error, null, error?.details);
    assert.deepEqual(
      events.map((e) => e.seq),
      (await restEvents(srv.url, jobId)).map((e) => e.Seq),
    );
    const last = events.at(-1)?.seq ?? 0;
    const tail = await drain(client.watchJob({ job_id: jobId, from_seq: last }));
    assert.equal(tail.error, null, tail.error?.details);
    assert.deepEqual(tail.events, []);
  });

  test("a stream for an unknown job ends with NOT_FOUND and ORDO_ERR_JOB_NOT_FOUND", async () => {
    const { events, error } = await drain(client.watchJob({ job_id: "999999" }));
    assert.deepEqual(events, []);
    assert.equal(error?.code, grpc.status.NOT_FOUND, error?.details);
    assert.equal(error && errorInfoOf(error)?.reason, "ORDO_ERR_JOB_NOT_FOUND");
    assert.equal(error?.details, "job 999999 not found");
  });

  test("a stream for a malformed job ID ends with INVALID_ARGUMENT and ORDO_ERR_JOB_ID_INVALID", async () => {
    const { error } = await drain(client.watchJob({ job_id: "abc" }));
    assert.equal(error?.code, grpc.status.INVALID_ARGUMENT, error?.details);
    assert.equal(error && errorInfoOf(error)?.reason, "ORDO_ERR_JOB_ID_INVALID");
  });
});

describe("gRPC services beside JobService", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv?.close());

  test("the standard health check answers SERVING for the server and for ordo.v1.JobService", async () => {
    const Health = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, "grpc.health.v1.Health");
    const health = new Health(grpcTarget(srv.grpcUrl), grpc.credentials.createInsecure());
    type Check = (
      req: { service: string },
      cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
    ) => void;
    const check = (service: string) =>
      new Promise<string | undefined>((resolve, reject) =>
        (health as unknown as { Check: Check }).Check.call(health, { service }, (err, res) =>
          err ? reject(err) : resolve(res?.status),
        ),
      );
    try {
      assert.equal(await check(""), "SERVING");
      assert.equal(await check("ordo.v1.JobService"), "SERVING");
      await assert.rejects(check("no.such.Service"), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
    } finally {
      health.close();
    }
  });

  for (const version of ["v1", "v1alpha"]) {
    test(`server reflection (grpc.reflection.${version}) lists ordo.v1.JobService and describes it`, async () => {
      const require = createRequire(import.meta.url);
      const protoDir = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");
      const pkg = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
        keepCase: true,
        longs: Number,
        enums: String,
        defaults: true,
        oneofs: true,
        includeDirs: [protoDir],
      });
      const Reflection = grpc.makeClientConstructor(
        pkg[`grpc.reflection.${version}.ServerReflection`] as grpc.ServiceDefinition,
        "ServerReflection",
      );
      const client = new Reflection(grpcTarget(srv.grpcUrl), grpc.credentials.createInsecure());
      type Info = () => grpc.ClientDuplexStream<object, ReflectionResponse>;
      interface ReflectionResponse {
        list_services_response?: { service: { name: string }[] };
        file_descriptor_response?: { file_descriptor_proto: Buffer[] };
        error_response?: { error_code: number; error_message: string };
      }
      try {
        const call = (client as unknown as { ServerReflectionInfo: Info }).ServerReflectionInfo.call(client);
        const replies: ReflectionResponse[] = [];
        const done = (async () => {
          for await (const r of call) replies.push(r as ReflectionResponse);
        })();
        call.write({ list_services: "" });
        call.write({ file_containing_symbol: "ordo.v1.JobService" });
        call.end();
        await done;
        const names = replies[0]?.list_services_response?.service.map((s) => s.name) ?? [];
        assert.ok(names.includes("ordo.v1.JobService"), `services: ${names.join(", ")}`);
        const files = replies[1]?.file_descriptor_response?.file_descriptor_proto ?? [];
        assert.ok(files.length > 0, JSON.stringify(replies[1]?.error_response));
        assert.ok(
          files.some((f) => Buffer.from(f).includes("WatchJob")),
          "the descriptor for ordo.v1.JobService names WatchJob",
        );
      } finally {
        client.close();
      }
    });
  }
});

describe("gRPC graceful shutdown", () => {
  test("closing the server ends an open WatchJob stream with UNAVAILABLE and ORDO_ERR_SHUTTING_DOWN", async () => {
    const srv = await startTestServer();
    const client = new JobServiceClient(srv.grpcUrl);
    try {
      // A pausable step, so shutdown (which pauses running jobs first) leaves the job paused, not ended: the
      // stream is still open when the gRPC listener closes.
      const descriptor = JSON.stringify(
        simpleDescriptor({
          name: "forever",
          steps: [{ name: "sleep", label: "nap", parameters: { duration: ["30s"] } }],
        }),
      );
      const jobId = await startJob(client, descriptor);
      const stream = client.watchJob({ job_id: jobId });
      const seen: WireEvent[] = [];
      let running!: () => void;
      const stepRunning = new Promise<void>((resolve) => {
        running = resolve;
      });
      const ended = drain(stream, seen, (e) => {
        if (e.event_name === "TargetIn") running();
      });
      await Promise.race([stepRunning, ended]);
      assert.ok(
        seen.some((e) => e.event_name === "TargetIn"),
        "the step runs when the server closes",
      );
      const closing = srv.close();
      const { error } = await ended;
      await closing;
      assert.ok(!seen.some((e) => TERMINAL_EVENTS.has(e.event_name)), "the job did not end");
      assert.ok(error, "the stream ends with an error status, not OK");
      assert.equal(error.code, grpc.status.UNAVAILABLE, error.details);
      // A status the server sent, not a dropped connection: it carries ordo's error detail and message.
      assert.equal(errorInfoOf(error)?.reason, "ORDO_ERR_SHUTTING_DOWN");
      assert.match(error.details, /shutting down/);
    } finally {
      client.close();
      await srv.close();
    }
  });

  test("a client too slow to take its events also gets UNAVAILABLE and ORDO_ERR_SHUTTING_DOWN at shutdown", async () => {
    const srv = await startTestServer();
    const client = new JobServiceClient(srv.grpcUrl);
    try {
      // About 1 MB of events, far more than HTTP/2 flow control lets through to a client that does not read:
      // the server's stream waits for "drain" when the shutdown comes.
      const targets = Array.from({ length: 60 }, (_, i) => `slow${i}`);
      const descriptor = simpleDescriptor({
        name: "bulky",
        targets,
        steps: [{ name: "echo", label: "say", parameters: { text: ["x".repeat(16_000)] } }],
      });
      const jobId = await startJob(client, JSON.stringify(descriptor));
      await waitForState(srv.url, Number(jobId), ["JobStateCompleted"]);
      const total = (await restEvents(srv.url, jobId)).length;

      const stream = client.watchJob({ job_id: jobId });
      const seqs: number[] = [];
      const ended = new Promise<grpc.ServiceError | null>((resolve) => {
        stream.on("data", (e: WireEvent) => {
          seqs.push(e.seq);
          if (seqs.length === 1) stream.pause();
        });
        stream.on("error", (err: grpc.ServiceError) => resolve(err));
        stream.on("end", () => resolve(null));
      });
      await new Promise((r) => setTimeout(r, 500));
      const closing = srv.close();
      await new Promise((r) => setTimeout(r, 200));
      stream.resume();
      const error = await ended;
      await closing;
      assert.ok(seqs.length < total, `the client was still behind (${seqs.length} of ${total} events)`);
      assertStrictlyIncreasing(seqs);
      assert.ok(error, "the stream ends with an error status, not OK");
      assert.equal(error.code, grpc.status.UNAVAILABLE, error.details);
      assert.equal(errorInfoOf(error)?.reason, "ORDO_ERR_SHUTTING_DOWN");
    } finally {
      client.close();
      await srv.close();
    }
  });
});
