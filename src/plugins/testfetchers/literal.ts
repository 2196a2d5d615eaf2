/** Literal: the test's steps are written in the descriptor: `{"TestName": "...", "Steps": [...]}`. */
import { field, reqString } from "../../jobmanager/fields.js";
import type { TestFetcher } from "../types.js";

export const Literal: TestFetcher = {
  kind: "testfetcher",
  name: "Literal",
  async fetch(params, path) {
    return { testName: reqString(params, "TestName", `${path}.TestName`, 128), steps: field(params, "Steps") ?? [] };
  },
};
