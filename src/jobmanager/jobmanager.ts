/**
 * The JobManager consumes the Api's channel and dispatches each request to its verb (one file per verb), and
 * owns the running jobs: the scheduler bounds how many run at once, recovery picks up what a previous process
 * left, and shutdown either lets jobs finish (drain) or pauses them (pause), escalating to cancel.
 */
import type { Api, ApiEvent, ApiReplies, ApiRequestType } from "../api/api.js";
import type { JobId } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { PluginRegistry } from "../plugins/registry.js";
import type { Storage } from "../storage/storage.js";
import type { JobManagerContext } from "./context.js";
import { events } from "./events.js";
import { list } from "./list.js";
import { publish } from "./publish.js";
import { pull } from "./pull.js";
import { readLog } from "./read-log.js";
import { type CrashPolicy, planRecovery } from "./recovery.js";
import { report } from "./report.js";
import { retry } from "./retry.js";
import { EventSink } from "./runner/event-sink.js";
import { JobRunner } from "./runner/job-runner.js";
import { Scheduler } from "./scheduler.js";
import { start } from "./start.js";
import { status } from "./status.js";
import { stop } from "./stop.js";
import { subscribe } from "./subscribe.js";
import { watch } from "./watch.js";

type Handler<K extends ApiRequestType> = (ctx: JobManagerContext, ev: ApiEvent<K>) => Promise<ApiReplies[K]>;
const HANDLERS: { [K in ApiRequestType]: Handler<K> } = {
  start,
  stop,
  status,
  retry,
  list,
  events,
  report,
  watch,
  // The event store (issue 4).
  subscribe,
  readLog,
  pull,
  publish,
};

interface Log {
  error(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

export interface JobManagerOptions {
  storage: Storage;
  registry: PluginRegistry;
  serverId: string;
  cwd?: string;
  /** How long a target lock lives without a refresh. */
  lockTtlMs?: number;
  /** Requests handled at once; more wait in the channel. */
  maxInFlight?: number;
  /** Jobs running at once; more wait in the queue. */
  maxRunningJobs?: number;
  /** Continue paused jobs at start-up. */
  resumeJobs?: boolean;
  /** What happens at start-up to jobs a crashed process left running. */
  onCrash?: CrashPolicy;
  log?: Log;
}

/** idle → running → (draining | pausing) → closed */
export type JobManagerState = "idle" | "running" | "draining" | "pausing" | "closed";

export class JobManager {
  readonly sink: EventSink;
  private readonly ctx: JobManagerContext;
  private readonly opts: JobManagerOptions;
  private readonly scheduler: Scheduler;
  private readonly runners = new Map<JobId, JobRunner>();
  private state: JobManagerState = "idle";
  private inFlight = 0;
  private slotFreed: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private api: Api | undefined;

  constructor(opts: JobManagerOptions) {
    this.opts = opts;
    this.sink = new EventSink(opts.storage, (err) => opts.log?.error({ err }, "event subscriber failed"));
    this.scheduler = new Scheduler({
      maxRunning: opts.maxRunningJobs ?? Number.POSITIVE_INFINITY,
      runners: this.runners,
      makeRunner: (r) =>
        new JobRunner(r.jobId, r.resolved, {
          storage: opts.storage,
          sink: this.sink,
          registry: opts.registry,
          cwd: this.ctx.cwd,
          lockTtlMs: opts.lockTtlMs ?? 30_000,
        }),
      onRunnerError: (err, jobId) => opts.log?.error({ err, jobId }, "job runner failed"),
    });
    this.ctx = {
      storage: opts.storage,
      registry: opts.registry,
      sink: this.sink,
      serverId: opts.serverId,
      cwd: opts.cwd ?? process.cwd(),
      runners: this.runners,
      launch: (jobId, resolved) => this.scheduler.submit({ jobId, resolved }),
      dequeue: (jobId) => this.scheduler.remove(jobId),
      queuePosition: (jobId) => this.scheduler.position(jobId),
    };
  }

  /** A snapshot for health and metrics. */
  snapshot(): { state: JobManagerState; running: number; queued: number; inFlight: number } {
    return { state: this.state, running: this.runners.size, queued: this.scheduler.queued, inFlight: this.inFlight };
  }

  /** Recovers jobs this server left unfinished, then serves the Api's channel. */
  async start(api: Api): Promise<void> {
    if (this.state !== "idle") throw new Error(`JobManager cannot start from state ${this.state}`);
    this.api = api;
    this.state = "running";
    await this.recover();
    this.loop = this.consume(api);
  }

  private async recover(): Promise<void> {
    const actions = await planRecovery(
      this.ctx.storage,
      this.ctx.serverId,
      this.opts.onCrash ?? "rerun",
      this.opts.resumeJobs ?? true,
    );
    // Jobs that were already running go first, then the queue in submission order.
    for (const a of actions) {
      if (a.kind === "end") {
        await this.ctx.storage.unlockAll(a.job.id);
        await this.sink.append({
          entityType: "job",
          operation: "update",
          eventName: a.eventName,
          jobId: a.job.id,
          payload: { Error: a.message },
        });
        this.opts.log?.warn({ jobId: a.job.id, state: a.eventName, reason: a.message }, "job not recovered");
      } else if (a.kind === "resume") {
        this.scheduler.submit({ jobId: a.job.id, resolved: a.resolved, resume: a.resume, note: a.note }, true);
        this.opts.log?.info({ jobId: a.job.id, ...a.note }, "job resumed");
      }
    }
    for (const a of actions) if (a.kind === "queue") this.scheduler.submit({ jobId: a.job.id, resolved: a.resolved });
  }

  private async consume(api: Api): Promise<void> {
    const max = this.opts.maxInFlight ?? 256;
    for (;;) {
      while (this.inFlight >= max)
        await new Promise<void>((r) => {
          this.slotFreed = r;
        });
      const ev = await api.events.receive();
      if (!ev) return;
      this.inFlight++;
      this.handle(ev).finally(() => {
        this.inFlight--;
        this.slotFreed?.();
        this.slotFreed = undefined;
      });
    }
  }

  private async handle(ev: ApiEvent): Promise<void> {
    const type = ev.request.type;
    if (this.state !== "running" && (type === "start" || type === "retry")) {
      ev.fail(new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down and accepts no new jobs"));
      return;
    }
    const handler = HANDLERS[type] as Handler<ApiRequestType>;
    try {
      ev.reply(await handler(this.ctx, ev));
    } catch (err) {
      ev.fail(err);
    }
  }

  /** Stops accepting new jobs and starting queued ones; requests that read keep being served. */
  stopAccepting(mode: "draining" | "pausing"): void {
    if (this.state === "running") this.state = mode;
    this.scheduler.freeze();
  }

  /** SIGUSR1: running jobs finish; queued ones stay stored for the next start. */
  async drain(): Promise<void> {
    this.stopAccepting("draining");
    await Promise.allSettled([...this.runners.values()].map((r) => r.done));
  }

  /** SIGTERM: running jobs pause and store their resume state; after `timeoutMs` the rest are cancelled. */
  async pauseAll(timeoutMs: number): Promise<void> {
    this.stopAccepting("pausing");
    const runners = [...this.runners.values()];
    for (const r of runners) r.interrupt("pause", "server shutting down");
    const escalate = setTimeout(() => this.cancelAll("pause timed out: cancelled"), timeoutMs);
    await Promise.allSettled(runners.map((r) => r.done));
    clearTimeout(escalate);
  }

  /** A second signal, or a pause that took too long: cancel everything now. */
  cancelAll(reason = "server shutting down: cancelled"): void {
    for (const r of this.runners.values()) r.interrupt("cancel", reason);
  }

  /** Pauses what runs (cancelling after `pauseTimeoutMs`) and stops serving the channel. */
  async close(pauseTimeoutMs = 10_000): Promise<void> {
    if (this.state === "closed") return;
    await this.pauseAll(pauseTimeoutMs);
    this.api?.events.close();
    await this.loop;
    this.state = "closed";
  }
}
