/**
 * URI: the steps come from a JSON or YAML document `{"steps": [...]}` at a file path (relative to the server's
 * working directory), a file:// URI, or an http(s):// URL. Fetched once, at submission.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { invalidDescriptor } from "../../errors.js";
import { field, isObj, reqString } from "../../jobmanager/fields.js";
import type { TestFetcher } from "../types.js";

const FETCH_TIMEOUT_MS = 10_000;

async function load(uri: string, cwd: string): Promise<string> {
  if (/^https?:\/\//i.test(uri)) {
    const res = await fetch(uri, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  }
  const path = uri.startsWith("file://") ? fileURLToPath(uri) : resolve(cwd, uri);
  return readFile(path, "utf8");
}

export const URI: TestFetcher = {
  kind: "testfetcher",
  name: "URI",
  async fetch(params, path, ctx) {
    const testName = reqString(params, "TestName", `${path}.TestName`, 128);
    const uri = reqString(params, "URI", `${path}.URI`);
    let text: string;
    try {
      text = await load(uri, ctx.cwd);
    } catch (err) {
      throw invalidDescriptor(`${path}.URI`, `cannot fetch ${uri}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw invalidDescriptor(
        `${path}.URI`,
        `${uri} is not valid JSON or YAML: ${(err as Error).message.split("\n")[0]}`,
      );
    }
    if (!isObj(doc) || !Array.isArray(field(doc, "steps")))
      throw invalidDescriptor(`${path}.URI`, `${uri} must hold an object with a "steps" list`);
    return { testName, steps: field(doc, "steps") };
  },
};
