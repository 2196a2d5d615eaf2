/** Client commands (start, stop, status, retry, list, version, watch): to be written. */
import type { Command } from "commander";

export function registerClientCommands(_program: Command): void {}
