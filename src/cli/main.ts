#!/usr/bin/env -S node --max-semi-space-size=24
/** The `ordo` command: `ordo server` runs the server; the other commands are clients of a running one. */
import { Command } from "commander";
import { API_VERSION } from "../api/types.js";
import { registerClientCommands } from "./client-commands.js";
import { registerEventsCommand } from "./events-command.js";
import { registerServerCommand } from "./server-command.js";

const program = new Command("ordo")
  .description("ordo: job orchestration with ConTest-compatible job descriptors")
  .version(`ordo (API version ${API_VERSION})`, "-V, --cli-version");
registerServerCommand(program);
registerClientCommands(program);
registerEventsCommand(program);
await program.parseAsync(process.argv);
