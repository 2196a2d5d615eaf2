/**
 * A small subset of Go's text/template, as ConTest step parameters use it:
 * `{{ .ID }}`, `{{ ToUpper .FQDN }}`, `{{ .FQDN | ToLower }}`, `{{ StringVar "label.name" }}`, `{{ IntVar "label.name" }}`.
 * Templates are compiled at submission so a syntax error or unknown function is reported before anything runs.
 */
import type { Target } from "../api/types.js";

export interface TemplateScope {
  target: Target;
  /** Looks up a variable emitted by an earlier step: (step label, variable name). */
  variable(label: string, name: string): unknown;
}

type Operand =
  | { kind: "field"; name: string }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "func"; name: string };
type Command = Operand[];
type Pipeline = Command[];
type Part = string | Pipeline;

const TARGET_FIELDS = new Set(["ID", "FQDN", "PrimaryIPv4", "PrimaryIPv6"]);

const FUNCS: Record<string, (scope: TemplateScope, args: unknown[]) => unknown> = {
  ToUpper: (_s, [v]) => String(v ?? "").toUpperCase(),
  ToLower: (_s, [v]) => String(v ?? "").toLowerCase(),
  Title: (_s, [v]) => goTitle(String(v ?? "")),
  StringVar: (s, [v]) => {
    const value = lookupVar(s, v);
    return typeof value === "string" ? value : JSON.stringify(value);
  },
  IntVar: (s, [v]) => {
    const value = Number(lookupVar(s, v));
    if (!Number.isInteger(value)) throw new Error(`variable "${String(v)}" is not an integer`);
    return value;
  },
};

/** Go's strings.Title word boundary: ASCII other than letters, digits and _; beyond ASCII, only spaces. */
function isGoSeparator(ch: string): boolean {
  if (ch.length === 1 && ch.charCodeAt(0) <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** Go's strings.Title (what ConTest's `Title` is): upper-cases the first letter of each word. */
function goTitle(text: string): string {
  let prev = " ";
  let out = "";
  for (const ch of text) {
    const upper = ch.toUpperCase();
    // A letter whose upper case is several letters (ß -> SS) has no single title case in Go either: keep it.
    out += isGoSeparator(prev) && [...upper].length === 1 ? upper : ch;
    prev = ch;
  }
  return out;
}

function lookupVar(scope: TemplateScope, ref: unknown): unknown {
  const text = String(ref);
  const dot = text.indexOf(".");
  if (dot <= 0) throw new Error(`variable reference "${text}" must be "<step label>.<name>"`);
  const value = scope.variable(text.slice(0, dot), text.slice(dot + 1));
  if (value === undefined) throw new Error(`variable "${text}" is not set`);
  return value;
}

const TOKEN = /\s*(?:(\|)|"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+(?:\.\d+)?)|\.([A-Za-z_]\w*)|([A-Za-z_]\w*))/y;

function parsePipeline(src: string): Pipeline {
  const pipeline: Pipeline = [];
  let cmd: Command = [];
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`unexpected "${src.slice(i).trim()}"`);
    i = TOKEN.lastIndex;
    if (m[1]) {
      if (cmd.length === 0) throw new Error("missing command before |");
      pipeline.push(cmd);
      cmd = [];
    } else if (m[2] !== undefined) cmd.push({ kind: "string", value: JSON.parse(`"${m[2]}"`) as string });
    else if (m[3] !== undefined) cmd.push({ kind: "string", value: m[3] });
    else if (m[4] !== undefined) cmd.push({ kind: "number", value: Number(m[4]) });
    else if (m[5] !== undefined) {
      if (!TARGET_FIELDS.has(m[5])) throw new Error(`unknown target field .${m[5]}`);
      cmd.push({ kind: "field", name: m[5] });
    } else if (m[6] !== undefined) {
      if (!Object.hasOwn(FUNCS, m[6])) throw new Error(`function "${m[6]}" not defined`);
      cmd.push({ kind: "func", name: m[6] });
    }
  }
  if (cmd.length === 0) throw new Error("empty action");
  pipeline.push(cmd);
  return pipeline;
}

export class Template {
  private readonly parts: Part[];
  constructor(source: string) {
    this.parts = [];
    let rest = source;
    for (;;) {
      const open = rest.indexOf("{{");
      if (open < 0) break;
      const close = rest.indexOf("}}", open + 2);
      if (close < 0) throw new Error("unclosed action");
      if (open > 0) this.parts.push(rest.slice(0, open));
      this.parts.push(parsePipeline(rest.slice(open + 2, close).replace(/^-\s|\s-$/g, " ")));
      rest = rest.slice(close + 2);
    }
    if (rest.length > 0) this.parts.push(rest);
  }

  /** True when the text has no actions, so it never varies by target. */
  get isStatic(): boolean {
    return this.parts.every((p) => typeof p === "string");
  }

  render(scope: TemplateScope): string {
    return this.parts.map((p) => (typeof p === "string" ? p : String(evalPipeline(p, scope)))).join("");
  }
}

function evalOperand(op: Operand, scope: TemplateScope): unknown {
  switch (op.kind) {
    case "field":
      return scope.target[op.name as keyof Target] ?? "";
    case "string":
    case "number":
      return op.value;
    case "func":
      return FUNCS[op.name]?.(scope, []);
  }
}

function evalPipeline(p: Pipeline, scope: TemplateScope): unknown {
  let prev: unknown;
  let first = true;
  for (const cmd of p) {
    const [head, ...rest] = cmd;
    if (!head) throw new Error("empty command");
    const args = rest.map((a) => evalOperand(a, scope));
    if (!first) args.push(prev);
    if (head.kind === "func") prev = FUNCS[head.name]?.(scope, args);
    else if (args.length > 0) throw new Error("can't give arguments to a non-function");
    else prev = evalOperand(head, scope);
    first = false;
  }
  return prev;
}

/** Short texts known to compile. Submissions repeat the same parameters, so most checks end here; bounded in count
 * (by clearing) and in text length, so it holds a few megabytes at most. */
const compiles = new Set<string>();
const COMPILES_MAX = 4096;
const COMPILES_MAX_LENGTH = 512;

/** Compiles every string in a step's parameters; throws with the first problem found. */
export function checkTemplates(values: unknown[]): void {
  for (const v of values) {
    if (typeof v !== "string" || compiles.has(v)) continue;
    new Template(v);
    if (v.length > COMPILES_MAX_LENGTH) continue;
    if (compiles.size >= COMPILES_MAX) compiles.clear();
    compiles.add(v);
  }
}
