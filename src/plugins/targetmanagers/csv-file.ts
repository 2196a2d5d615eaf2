/**
 * CSVFileTargetManager: targets come from a CSV file of `ID,FQDN,IPv4,IPv6` rows.
 * Parameters: FileURI (path or file:// URI, relative to the server's working directory), MinNumberDevices,
 * MaxNumberDevices, HostPrefixes (keep FQDNs starting with one of them), Shuffle.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Target } from "../../api/types.js";
import { invalidDescriptor, OrdoError } from "../../errors.js";
import { field, optArray, optBool, optInt, reqString } from "../../jobmanager/fields.js";
import type { TargetManager } from "../types.js";

interface CsvParams {
  path: string;
  min: number;
  max: number;
  prefixes: string[];
  shuffle: boolean;
}

function parseParams(params: Record<string, unknown>, path: string, cwd: string): CsvParams {
  const uri = reqString(params, "FileURI", `${path}.FileURI`);
  const file = uri.startsWith("file://") ? fileURLToPath(uri) : resolve(cwd, uri);
  const min = optInt(params, "MinNumberDevices", `${path}.MinNumberDevices`, 1);
  const max = optInt(params, "MaxNumberDevices", `${path}.MaxNumberDevices`, Number.MAX_SAFE_INTEGER);
  if (field(params, "MaxNumberDevices") !== undefined && max < min)
    throw invalidDescriptor(`${path}.MaxNumberDevices`, "must not be below MinNumberDevices");
  const prefixes = optArray(params, "HostPrefixes", `${path}.HostPrefixes`).map(String);
  return { path: file, min, max, prefixes, shuffle: optBool(params, "Shuffle", `${path}.Shuffle`) };
}

function parseCsv(text: string, file: string): Target[] {
  const targets: Target[] = [];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [id, fqdn, ipv4, ipv6] = line.split(",").map((c) => c.trim());
    if (!id) throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", `${file}:${n + 1}: missing target ID`);
    const t: Target = { ID: id };
    if (fqdn) t.FQDN = fqdn;
    if (ipv4) t.PrimaryIPv4 = ipv4;
    if (ipv6) t.PrimaryIPv6 = ipv6;
    targets.push(t);
  }
  return targets;
}

export const CSVFileTargetManager: TargetManager = {
  kind: "targetmanager",
  name: "CSVFileTargetManager",
  validateAcquire(params, path, ctx) {
    const p = parseParams(params, path, ctx.cwd);
    if (!existsSync(p.path)) throw invalidDescriptor(`${path}.FileURI`, `file not found: ${p.path}`);
  },
  async acquire(params, ctx) {
    const p = parseParams(params, "TargetManagerAcquireParameters", ctx.cwd);
    let targets = parseCsv(await readFile(p.path, "utf8"), p.path);
    if (p.prefixes.length > 0) targets = targets.filter((t) => p.prefixes.some((pre) => t.FQDN?.startsWith(pre)));
    if (p.shuffle) {
      for (let i = targets.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [targets[i], targets[j]] = [targets[j] as Target, targets[i] as Target];
      }
    }
    if (targets.length < p.min)
      throw new OrdoError("ORDO_ERR_ARGUMENT_INVALID", `${p.path}: ${targets.length} targets match, ${p.min} needed`);
    return targets.slice(0, p.max);
  },
};
