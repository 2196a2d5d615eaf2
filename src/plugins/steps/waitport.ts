/**
 * waitport: waits until a port accepts connections. Parameters: target (host; default the target's FQDN or IP),
 * port, protocol (tcp only), timeout (default 1m), check_interval (default 1s). Fails the target on timeout.
 */
import { connect } from "node:net";
import { invalidDescriptor } from "../../errors.js";
import { parseDuration } from "../../util/duration.js";
import { checkDuration, oneString, sleep } from "../params.js";
import type { Step } from "../types.js";

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const finish = (ok: boolean) => {
      sock.destroy();
      done(ok);
    };
    sock.once("connect", () => finish(true));
    sock.once("error", () => finish(false));
    sock.once("timeout", () => finish(false));
  });
}

export const waitport: Step = {
  kind: "step",
  name: "waitport",
  events: [],
  validate(params, path) {
    const port = oneString(params, "port", path, true) as string;
    if (!port.includes("{{") && !(Number(port) > 0 && Number(port) < 65536 && Number.isInteger(Number(port))))
      throw invalidDescriptor(`${path}.port`, `invalid port "${port}"`);
    const proto = oneString(params, "protocol", path, false) ?? "tcp";
    if (proto !== "tcp") throw invalidDescriptor(`${path}.protocol`, `unsupported protocol "${proto}" (tcp only)`);
    oneString(params, "target", path, false);
    checkDuration(params, "timeout", path, false);
    checkDuration(params, "check_interval", path, false);
  },
  async run(ctx) {
    const p = "parameters";
    const hostParam = oneString(ctx.params, "target", p, false);
    const host = hostParam ? ctx.expand(hostParam) : (ctx.target.FQDN ?? ctx.target.PrimaryIPv4 ?? ctx.target.ID);
    const port = Number(ctx.expand(oneString(ctx.params, "port", p, true) as string));
    const timeoutMs = parseDuration(ctx.expand(oneString(ctx.params, "timeout", p, false) ?? "1m")) ?? 60_000;
    const intervalMs = parseDuration(ctx.expand(oneString(ctx.params, "check_interval", p, false) ?? "1s")) ?? 1000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await tryConnect(host, port, Math.max(1, Math.min(intervalMs, deadline - Date.now())))) return;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (Date.now() + intervalMs > deadline) throw new Error(`port ${host}:${port} not open after ${timeoutMs}ms`);
      await sleep(intervalMs, ctx.signal);
    }
  },
};
