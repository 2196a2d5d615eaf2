/**
 * A request's child logger, made on first use. Fastify makes one per request, and pino's child (its bindings
 * serialised, its log methods rebuilt for the route's level) cost every request a microsecond and garbage, while
 * almost no request logs anything. What is logged, and how, is the same: the child is made as fastify would make it.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  private readonly parent: FastifyBaseLogger;
  private readonly bindings: Bindings;
  private readonly opts: ChildLoggerOptions | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, opts?: ChildLoggerOptions) {
    this.parent = parent;
    this.bindings = bindings;
    this.opts = opts;
  }

  private get log(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.opts);
    return this.made;
  }

  private forward(level: Level, args: unknown[]): void {
    const log = this.log;
    // pino's log functions are overloaded; the arguments pass through exactly as the caller gave them.
    (log[level] as (...a: unknown[]) => void).apply(log, args);
  }

  get level(): string {
    return this.log.level;
  }
  set level(level: string) {
    this.log.level = level;
  }
  fatal(...args: unknown[]): void {
    this.forward("fatal", args);
  }
  error(...args: unknown[]): void {
    this.forward("error", args);
  }
  warn(...args: unknown[]): void {
    this.forward("warn", args);
  }
  info(...args: unknown[]): void {
    this.forward("info", args);
  }
  debug(...args: unknown[]): void {
    this.forward("debug", args);
  }
  trace(...args: unknown[]): void {
    this.forward("trace", args);
  }
  silent(...args: unknown[]): void {
    this.forward("silent", args);
  }
  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.log.child(bindings, opts);
  }
}
