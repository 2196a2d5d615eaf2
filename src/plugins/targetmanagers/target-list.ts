/** TargetList: the targets are written in the descriptor: `{"Targets": [{"ID": "T1", "FQDN": "..."}]}`. */
import type { Target } from "../../api/types.js";
import { invalidDescriptor } from "../../errors.js";
import { field, isObj } from "../../jobmanager/fields.js";
import type { TargetManager } from "../types.js";

export function parseTargets(params: Record<string, unknown>, path: string): Target[] {
  const list = field(params, "Targets");
  if (!Array.isArray(list) || list.length === 0) throw invalidDescriptor(`${path}.Targets`, "must be a non-empty list");
  const seen = new Set<string>();
  return list.map((t, i) => {
    const p = `${path}.Targets[${i}]`;
    if (!isObj(t)) throw invalidDescriptor(p, "must be an object with an ID");
    const id = field(t, "ID");
    if ((typeof id !== "string" && typeof id !== "number") || String(id) === "")
      throw invalidDescriptor(`${p}.ID`, "is required");
    if (seen.has(String(id))) throw invalidDescriptor(`${p}.ID`, `duplicate target "${id}"`);
    seen.add(String(id));
    const target: Target = { ID: String(id) };
    for (const k of ["FQDN", "PrimaryIPv4", "PrimaryIPv6"] as const) {
      const v = field(t, k);
      if (typeof v === "string" && v !== "") target[k] = v;
    }
    return target;
  });
}

function targetList(name: string): TargetManager {
  return {
    kind: "targetmanager",
    name,
    validateAcquire(params, path) {
      parseTargets(params, path);
    },
    acquire(params) {
      return parseTargets(params, "TargetManagerAcquireParameters");
    },
  };
}

export const TargetList = targetList("TargetList");
/** ConTest's test-only manager that also keeps per-target state; targets are kept in job state by ordo anyway. */
export const TargetListWithState = targetList("TargetListWithState");
