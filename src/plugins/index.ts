/** The core plugins: adding one is one file plus one line here. */
import { PluginRegistry } from "./registry.js";
import { noop } from "./reporters/noop.js";
import { TargetSuccess } from "./reporters/target-success.js";
import { cmd } from "./steps/cmd.js";
import { echo } from "./steps/echo.js";
import { randecho } from "./steps/randecho.js";
import { sleep } from "./steps/sleep.js";
import { variables } from "./steps/variables.js";
import { waitport } from "./steps/waitport.js";
import { CSVFileTargetManager } from "./targetmanagers/csv-file.js";
import { TargetList, TargetListWithState } from "./targetmanagers/target-list.js";
import { Literal } from "./testfetchers/literal.js";
import { URI } from "./testfetchers/uri.js";
import type { Plugin } from "./types.js";

export const CORE_PLUGINS: readonly Plugin[] = [
  TargetList,
  TargetListWithState,
  CSVFileTargetManager,
  Literal,
  URI,
  cmd,
  echo,
  randecho,
  sleep,
  variables,
  waitport,
  TargetSuccess,
  noop,
];

export function coreRegistry(): PluginRegistry {
  return new PluginRegistry(CORE_PLUGINS);
}
