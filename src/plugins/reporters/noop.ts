/** noop: reports success and does nothing else. */
import type { Reporter } from "../types.js";

export const noop: Reporter = {
  kind: "reporter",
  name: "noop",
  validate() {},
  runReport() {
    return { success: true, data: "I did nothing" };
  },
  finalReport() {
    return { success: true, data: "I did nothing at the end" };
  },
};
