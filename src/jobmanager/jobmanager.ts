/**
 * The JobManager consumes the Api's channel and dispatches each request to its verb (one file per verb),
 * and owns the running jobs. Requests are handled concurrently up to a bound; the channel holds the rest.
 */
import type { Api, ApiEvent, ApiReplies, ApiRequestType } from "../api/api.js";
import type { JobId } from "../api/types.js";
import { OrdoError } from "../errors.js";
import type { PluginRegistry } from "../plugins/registry.js";
import type { Storage } from "../storage/storage.js";
import type { JobManagerContext } from "./context.js";
import type { ResolvedJob } from "./descriptor.js";
import { events } from "./events.js";
import { list } from "./list.js";
import { report } from "./report.js";
import { retry } from "./retry.js";
import { EventSink } from "./runner/event-sink.js";
import { JobRunner } from "./runner/job-runner.js";
import { start } from "./start.js";
import { status } from "./status.js";
import { stop } from "./stop.js";
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
};

export interface JobManagerOptions {
  storage: Storage;
  registry: PluginRegistry;
  serverId: string;
  cwd?: string;
  /** How long a target lock lives without a refresh. */
  lockTtlMs?: number;
  /** Requests handled at once; more wait in the channel. */
  maxInFlight?: number;
  log?: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export type JobManagerState = "idle" | "running" | "closing" | "closed";

export class JobManager {
  readonly sink: EventSink;
  private readonly ctx: JobManagerContext;
  private readonly opts: JobManagerOptions;
  private state: JobManagerState = "idle";
  private inFlight = 0;
  private slotFreed: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private api: Api | undefined;

  constructor(opts: JobManagerOptions) {
    this.opts = opts;
    this.sink = new EventSink(opts.storage, (err) => opts.log?.error({ err }, "event subscriber failed"));
    const runners = new Map<JobId, JobRunner>();
    this.ctx = {
      storage: opts.storage,
      registry: opts.registry,
      sink: this.sink,
      serverId: opts.serverId,
      cwd: opts.cwd ?? process.cwd(),
      runners,
      launch: (jobId, job) => this.launch(jobId, job),
    };
  }

  get runningJobs(): number {
    return this.ctx.runners.size;
  }

  /** Recovers jobs this server left unfinished, then serves the Api's channel. */
  async start(api: Api): Promise<void> {
    if (this.state !== "idle") throw new Error(`JobManager cannot start from state ${this.state}`);
    this.api = api;
    this.state = "running";
    await this.recover();
    this.loop = this.consume(api);
  }

  /** Jobs left Started/Cancelling by a previous process of this server cannot continue: they fail, with a reason. */
  private async recover(): Promise<void> {
    const left = await this.ctx.storage.jobsInStates(this.ctx.serverId, [
      "JobStateStarted",
      "JobStateUnknown",
      "JobStateCancelling",
      "JobStatePaused",
    ]);
    for (const job of left) {
      const eventName = job.state === "JobStateCancelling" ? "JobStateCancelled" : "JobStateFailed";
      await this.sink.append({
        entityType: "job",
        operation: "update",
        eventName,
        jobId: job.id,
        payload: { Error: "the server stopped while the job was running; it was not resumed" },
      });
      this.opts.log?.info({ jobId: job.id, state: eventName }, "recovered job left by a previous process");
    }
  }

  private launch(jobId: JobId, job: ResolvedJob): void {
    const runner = new JobRunner(jobId, job, {
      storage: this.ctx.storage,
      sink: this.sink,
      registry: this.ctx.registry,
      cwd: this.ctx.cwd,
      lockTtlMs: this.opts.lockTtlMs ?? 30_000,
    });
    this.ctx.runners.set(jobId, runner);
    runner
      .start()
      .catch((err: unknown) => this.opts.log?.error({ err, jobId }, "job runner failed"))
      .finally(() => this.ctx.runners.delete(jobId));
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
    if (this.state !== "running" && ev.request.type === "start") {
      ev.fail(new OrdoError("ORDO_ERR_SHUTTING_DOWN", "the server is shutting down and accepts no new jobs"));
      return;
    }
    const handler = HANDLERS[ev.request.type] as Handler<ApiRequestType>;
    try {
      ev.reply(await handler(this.ctx, ev));
    } catch (err) {
      ev.fail(err);
    }
  }

  /** Stops taking new jobs, cancels running ones, and waits for them to record their end. */
  async close(): Promise<void> {
    if (this.state === "closed" || this.state === "closing") return;
    this.state = "closing";
    const runners = [...this.ctx.runners.values()];
    for (const r of runners) r.interrupt("cancel", "server shutting down");
    await Promise.allSettled(runners.map((r) => r.done));
    this.api?.events.close();
    await this.loop;
    this.state = "closed";
  }
}
