/** Reads a job descriptor from a file or stdin, as JSON or YAML, and fills in what ConTest's CLI fills in. */
import { readFile } from "node:fs/promises";
import { isMap, isScalar, parseDocument } from "yaml";
import { usageError } from "./errors.js";

export const DESCRIPTOR_VERSION = "1.0";

export interface DescriptorSource {
  /** A path, or "-"/undefined for stdin. */
  file: string | undefined;
  /** The input is YAML whatever it looks like. */
  yaml: boolean;
}

async function readStdin(explicit: boolean): Promise<string> {
  // With no argument at a terminal, waiting for ^D would look like a hang; say what is expected instead.
  if (!explicit && process.stdin.isTTY) throw usageError('no descriptor: give a file, "-", or pipe one on stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function readSource(file: string | undefined): Promise<{ text: string; name: string }> {
  if (file === undefined || file === "-") return { text: await readStdin(file === "-"), name: "stdin" };
  try {
    return { text: await readFile(file, "utf8"), name: file };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (err as Error).message;
    throw usageError(`cannot read descriptor ${file}: ${why}`);
  }
}

/**
 * YAML to plain data, except that a numeric Version keeps its text: `Version: 1.0` means "1.0" (a string field in
 * ConTest's Go struct), not the number 1.
 */
function parseYaml(text: string, name: string): unknown {
  const doc = parseDocument(text);
  const [first] = doc.errors;
  if (first) throw usageError(`${name}: malformed YAML: ${first.message.split("\n")[0]}`);
  if (isMap(doc.contents))
    for (const pair of doc.contents.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === "string" && key.toLowerCase() === "version" && isScalar(pair.value))
        if (typeof pair.value.value === "number" && pair.value.source !== undefined)
          pair.value.value = pair.value.source;
    }
  return doc.toJS();
}

/** JSON when it starts with "{" (as the server decides), YAML otherwise or when asked. */
export function parseDescriptor(text: string, yaml: boolean, name = "descriptor"): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === "") throw usageError(`${name}: descriptor is empty`);
  let doc: unknown;
  if (!yaml && trimmed.startsWith("{")) {
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw usageError(`${name}: malformed JSON: ${(err as Error).message}`);
    }
  } else {
    doc = parseYaml(trimmed, name);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw usageError(`${name}: a descriptor must be a JSON or YAML object`);
  return withVersion(doc as Record<string, unknown>);
}

/** Adds Version "1.0" unless some spelling of the key is present (keys match case-insensitively, as in ConTest). */
export function withVersion(doc: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(doc).some((k) => k.toLowerCase() === "version")) return doc;
  return { Version: DESCRIPTOR_VERSION, ...doc };
}

export async function readDescriptor(src: DescriptorSource): Promise<Record<string, unknown>> {
  const { text, name } = await readSource(src.file);
  return parseDescriptor(text, src.yaml, name);
}
