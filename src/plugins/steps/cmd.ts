/**
 * cmd: runs an executable per target. Parameters: executable, args (each a separate argument), dir,
 * emit_stdout, emit_stderr. A non-zero exit fails the target. Stopping the job kills the child.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { invalidDescriptor } from "../../errors.js";
import { oneBool, oneString } from "../params.js";
import type { Step } from "../types.js";

/** Where the executable is, like Go's exec.LookPath; undefined when it cannot be run. */
export function lookPath(file: string, cwd: string): string | undefined {
  const isExec = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes("/")) {
    const p = isAbsolute(file) ? file : resolve(cwd, file);
    return isExec(p) ? p : undefined;
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExec(join(dir, file))) return join(dir, file);
  }
  return undefined;
}

export const cmd: Step = {
  kind: "step",
  name: "cmd",
  events: ["CmdStart", "CmdEnd", "CmdStdout", "CmdStderr"],
  validate(params, path, ctx) {
    const exe = oneString(params, "executable", path, true) as string;
    if (!exe.includes("{{") && lookPath(exe, ctx.cwd) === undefined)
      throw invalidDescriptor(`${path}.executable`, `executable "${exe}" not found`);
    oneString(params, "dir", path, false);
    oneBool(params, "emit_stdout", path, false);
    oneBool(params, "emit_stderr", path, false);
  },
  async run(ctx) {
    const path = "parameters";
    const exe = ctx.expand(oneString(ctx.params, "executable", path, true) as string);
    const args = (ctx.params.args ?? []).map((a) => ctx.expand(String(a)));
    const dirParam = oneString(ctx.params, "dir", path, false);
    const dir = dirParam === undefined ? ctx.cwd : resolve(ctx.cwd, ctx.expand(dirParam));
    const emitStdout = oneBool(ctx.params, "emit_stdout", path, false);
    const emitStderr = oneBool(ctx.params, "emit_stderr", path, false);
    const resolved = lookPath(exe, dir);
    if (!resolved) throw new Error(`executable "${exe}" not found`);

    await ctx.emit("CmdStart", { Path: resolved, Args: args, Dir: dir });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
      const child = spawn(resolved, args, {
        cwd: dir,
        signal: ctx.signal,
        killSignal: "SIGKILL",
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (b: Buffer) => stdout.push(b));
      child.stderr.on("data", (b: Buffer) => stderr.push(b));
      child.on("error", fail);
      child.on("close", (code, signal) => done({ code, signal }));
    }).catch((err: unknown) => {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw err;
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (emitStdout) await ctx.emit("CmdStdout", { Msg: Buffer.concat(stdout).toString("utf8") });
    if (emitStderr) await ctx.emit("CmdStderr", { Msg: Buffer.concat(stderr).toString("utf8") });
    await ctx.emit("CmdEnd", { ExitCode: exit.code, Signal: exit.signal });
    if (exit.code !== 0) {
      const tail = Buffer.concat(stderr).toString("utf8").trim().split("\n").slice(-3).join("\n");
      throw new Error(`${exe} exited with ${exit.signal ?? `code ${exit.code}`}${tail ? `: ${tail}` : ""}`);
    }
  },
};
