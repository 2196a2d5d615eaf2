/**
 * Job descriptors (ConTest's format): parsed from JSON or YAML, validated field by field, and resolved
 * (tests fetched, steps checked against their plugins) into the form the runner executes and storage keeps.
 * Every problem is an ORDO_ERR_DESCRIPTOR_INVALID naming the field; nothing is stored before this passes.
 */
import { parse as parseYaml } from "yaml";
import { invalidDescriptor } from "../errors.js";
import type { PluginRegistry } from "../plugins/registry.js";
import type { PluginContext, StepDescriptor, StepParameters } from "../plugins/types.js";
import {
  field,
  isObj,
  type Obj,
  optArray,
  optBool,
  optDuration,
  optInt,
  optObject,
  optString,
  reqString,
} from "./fields.js";
import { checkTemplates } from "./template.js";

export const DESCRIPTOR_VERSION = "1.0";
const TAG = /^[a-zA-Z0-9_-]+$/;
const LABEL = /^[a-zA-Z]\w*$/;
const DEFAULT_TARGET_TIMEOUT_MS = 5 * 60_000;

export interface ReporterSpec {
  name: string;
  parameters: Obj;
}

export interface ResolvedTest {
  testName: string;
  targetManager: string;
  acquireParameters: Obj;
  releaseParameters: Obj;
  steps: StepDescriptor[];
  cleanupSteps: StepDescriptor[];
  numRetries: number;
  retryIntervalMs: number;
}

/** The validated, normalised descriptor: what is stored as the resolved descriptor and what the runner reads. */
export interface ResolvedJob {
  version: string;
  jobName: string;
  tags: string[];
  /** 0 = until stopped. */
  runs: number;
  runIntervalMs: number;
  acquireTimeoutMs: number;
  releaseTimeoutMs: number;
  tests: ResolvedTest[];
  runReporters: ReporterSpec[];
  finalReporters: ReporterSpec[];
}

/** Parses descriptor text: JSON when it starts with "{", YAML otherwise. */
export function parseDescriptorText(text: string): Obj {
  const trimmed = text.trim();
  if (trimmed === "") throw invalidDescriptor("descriptor", "is empty");
  let doc: unknown;
  if (trimmed.startsWith("{")) {
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw invalidDescriptor("descriptor", `malformed JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      doc = parseYaml(trimmed);
    } catch (err) {
      // The yaml library's first line ends with ":" before a code excerpt; keep the line, drop the colon.
      const first = ((err as Error).message.split("\n")[0] ?? "").replace(/:$/, "");
      throw invalidDescriptor("descriptor", `malformed YAML: ${first}`);
    }
  }
  if (!isObj(doc)) throw invalidDescriptor("descriptor", "must be a JSON or YAML object");
  return doc;
}

export function validateTags(tags: unknown[], path: string): string[] {
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (typeof t !== "string" || !TAG.test(t))
      throw invalidDescriptor(`${path}[${i}]`, `invalid tag ${JSON.stringify(t)}: use letters, digits, _ and -`);
    if (t.startsWith("_"))
      throw invalidDescriptor(`${path}[${i}]`, `tag "${t}": a leading _ is reserved for internal tags`);
    if (seen.has(t)) throw invalidDescriptor(`${path}[${i}]`, `duplicate tag "${t}"`);
    seen.add(t);
  });
  return [...seen];
}

function reporters(obj: Obj, key: string, path: string, registry: PluginRegistry): ReporterSpec[] {
  return optArray(obj, key, path).map((r, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(r)) throw invalidDescriptor(p, "must be an object");
    const name = reqString(r, "Name", `${p}.Name`);
    const plugin = registry.reporter(name);
    if (!plugin) throw invalidDescriptor(`${p}.Name`, `unknown reporter "${name}"`);
    const parameters = optObject(r, "Parameters", `${p}.Parameters`);
    plugin.validate(parameters, `${p}.Parameters`);
    return { name: plugin.name, parameters };
  });
}

function stepParameters(v: unknown, path: string): StepParameters {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw invalidDescriptor(path, "must be an object whose values are lists");
  const out: StepParameters = {};
  for (const [k, val] of Object.entries(v)) {
    if (!Array.isArray(val))
      throw invalidDescriptor(`${path}.${k}`, "must be a list (every parameter value is a list)");
    out[k] = val;
  }
  return out;
}

function resolveSteps(
  raw: unknown,
  path: string,
  labels: Set<string>,
  registry: PluginRegistry,
  ctx: PluginContext,
  allowEmpty: boolean,
): StepDescriptor[] {
  if (!Array.isArray(raw)) throw invalidDescriptor(path, "must be a list of steps");
  if (raw.length === 0 && !allowEmpty) throw invalidDescriptor(path, "must have at least one step");
  return raw.map((s, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(s)) throw invalidDescriptor(p, "must be an object with name, label and parameters");
    const name = reqString(s, "name", `${p}.name`);
    const plugin = registry.step(name);
    if (!plugin) throw invalidDescriptor(`${p}.name`, `unknown step plugin "${name}"`);
    const label = field(s, "label");
    if (label === undefined || label === null || label === "") throw invalidDescriptor(`${p}.label`, "is required");
    if (typeof label !== "string" || !LABEL.test(label))
      throw invalidDescriptor(`${p}.label`, `invalid label ${JSON.stringify(label)}: must match [a-zA-Z]\\w*`);
    if (label.length > 32) throw invalidDescriptor(`${p}.label`, "is longer than 32 characters");
    if (labels.has(label)) throw invalidDescriptor(`${p}.label`, `duplicate step label "${label}"`);
    labels.add(label);
    const parameters = stepParameters(field(s, "parameters"), `${p}.parameters`);
    for (const [k, values] of Object.entries(parameters)) {
      try {
        checkTemplates(values);
      } catch (err) {
        throw invalidDescriptor(`${p}.parameters.${k}`, `bad template: ${(err as Error).message}`);
      }
    }
    plugin.validate(parameters, `${p}.parameters`, ctx);
    return { name: plugin.name, label, parameters };
  });
}

async function resolveTest(
  t: unknown,
  path: string,
  registry: PluginRegistry,
  ctx: PluginContext,
): Promise<ResolvedTest | null> {
  if (!isObj(t)) throw invalidDescriptor(path, "must be an object");
  if (optBool(t, "Disabled", `${path}.Disabled`)) return null;
  const tmName = reqString(t, "TargetManagerName", `${path}.TargetManagerName`);
  const tm = registry.targetManager(tmName);
  if (!tm) throw invalidDescriptor(`${path}.TargetManagerName`, `unknown target manager "${tmName}"`);
  const acquireParameters = optObject(t, "TargetManagerAcquireParameters", `${path}.TargetManagerAcquireParameters`);
  tm.validateAcquire(acquireParameters, `${path}.TargetManagerAcquireParameters`, ctx);
  const releaseParameters = optObject(t, "TargetManagerReleaseParameters", `${path}.TargetManagerReleaseParameters`);

  const labels = new Set<string>();
  const fetch = async (nameKey: string, paramsKey: string) => {
    const name = reqString(t, nameKey, `${path}.${nameKey}`);
    const fetcher = registry.testFetcher(name);
    if (!fetcher) throw invalidDescriptor(`${path}.${nameKey}`, `unknown test fetcher "${name}"`);
    const params = optObject(t, paramsKey, `${path}.${paramsKey}`);
    return {
      fetched: await fetcher.fetch(params, `${path}.${paramsKey}`, ctx),
      stepsPath: `${path}.${paramsKey}.Steps`,
    };
  };
  const main = await fetch("TestFetcherName", "TestFetcherFetchParameters");
  const steps = resolveSteps(main.fetched.steps, main.stepsPath, labels, registry, ctx, false);
  let cleanupSteps: StepDescriptor[] = [];
  if (optString(t, "CleanupFetcherName", `${path}.CleanupFetcherName`) !== undefined) {
    const cleanup = await fetch("CleanupFetcherName", "CleanupFetcherFetchParameters");
    cleanupSteps = resolveSteps(cleanup.fetched.steps, cleanup.stepsPath, labels, registry, ctx, true);
  }
  const retry = optObject(t, "RetryParameters", `${path}.RetryParameters`);
  return {
    testName: main.fetched.testName,
    targetManager: tm.name,
    acquireParameters,
    releaseParameters,
    steps,
    cleanupSteps,
    numRetries: optInt(retry, "NumRetries", `${path}.RetryParameters.NumRetries`, 0),
    retryIntervalMs: optDuration(retry, "RetryInterval", `${path}.RetryParameters.RetryInterval`, 0),
  };
}

/** Validates and resolves a parsed descriptor. */
export async function resolveDescriptor(doc: Obj, registry: PluginRegistry, ctx: PluginContext): Promise<ResolvedJob> {
  const version = field(doc, "Version");
  // YAML reads an unquoted `Version: 1.0` as the number 1; ConTest (a string field) accepts it as written.
  const versionOk =
    version === undefined || version === null || String(version) === DESCRIPTOR_VERSION || version === 1;
  if (!versionOk)
    throw invalidDescriptor(
      "Version",
      `unsupported version ${JSON.stringify(version)}: this server accepts "${DESCRIPTOR_VERSION}"`,
    );
  const jobName = reqString(doc, "JobName", "JobName", 64);
  const tags = validateTags(optArray(doc, "Tags", "Tags"), "Tags");
  const runs = optInt(doc, "Runs", "Runs", 1);
  const runIntervalMs = optDuration(doc, "RunInterval", "RunInterval", 0);
  const acquireTimeoutMs = optDuration(
    doc,
    "TargetManagerAcquireTimeout",
    "TargetManagerAcquireTimeout",
    DEFAULT_TARGET_TIMEOUT_MS,
  );
  const releaseTimeoutMs = optDuration(
    doc,
    "TargetManagerReleaseTimeout",
    "TargetManagerReleaseTimeout",
    DEFAULT_TARGET_TIMEOUT_MS,
  );

  const rawTests = optArray(doc, "TestDescriptors", "TestDescriptors");
  if (rawTests.length === 0) throw invalidDescriptor("TestDescriptors", "must have at least one test");
  const tests: ResolvedTest[] = [];
  for (const [i, t] of rawTests.entries()) {
    const test = await resolveTest(t, `TestDescriptors[${i}]`, registry, ctx);
    if (test) tests.push(test);
  }
  if (tests.length === 0) throw invalidDescriptor("TestDescriptors", "every test is disabled");

  const reporting = optObject(doc, "Reporting", "Reporting");
  const runReporters = reporters(reporting, "RunReporters", "Reporting.RunReporters", registry);
  const finalReporters = reporters(reporting, "FinalReporters", "Reporting.FinalReporters", registry);
  if (runReporters.length + finalReporters.length === 0)
    throw invalidDescriptor("Reporting", "needs at least one run or final reporter");

  return {
    version: DESCRIPTOR_VERSION,
    jobName,
    tags,
    runs,
    runIntervalMs,
    acquireTimeoutMs,
    releaseTimeoutMs,
    tests,
    runReporters,
    finalReporters,
  };
}
