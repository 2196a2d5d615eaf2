/** Figures, their baselines and targets, rendered as a text table (terminal) and a Markdown table (RESULTS.md). */

export type Better = "higher" | "lower";

/** An absolute bound on the value, or a bound on value / baseline. */
export interface Target {
  kind: "abs" | "ratio";
  op: ">=" | "<=";
  value: number;
}

export interface Figure {
  bench: string;
  name: string;
  /** null: not measured (skipped, failed or timed out). */
  value: number | null;
  unit: string;
  better: Better;
  baseline?: { name: string; value: number | null };
  targets?: Target[];
}

export function ratioOf(f: Figure): number | null {
  const b = f.baseline?.value;
  if (f.value === null || b === null || b === undefined || b === 0 || !Number.isFinite(b)) return null;
  return f.value / b;
}

function meets(t: Target, value: number, ratio: number | null): boolean | null {
  const v = t.kind === "abs" ? value : ratio;
  if (v === null || !Number.isFinite(v)) return null;
  return t.op === ">=" ? v >= t.value : v <= t.value;
}

/** "ok" when every target is met, "MISS" when one is not, "-" without targets or a value. */
export function verdict(f: Figure): string {
  if (!f.targets?.length || f.value === null || !Number.isFinite(f.value)) return "-";
  const r = ratioOf(f);
  const results = f.targets.map((t) => meets(t, f.value as number, r));
  if (results.includes(false)) return "MISS";
  return results.includes(null) ? "?" : "ok";
}

export function fmt(v: number | null | undefined, unit = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

function targetText(t: Target, unit: string): string {
  const op = t.op === ">=" ? "≥" : "≤";
  return t.kind === "abs" ? `${op} ${fmt(t.value, unit)}` : `${op} ${t.value.toFixed(2)}× base`;
}

export interface Row {
  bench: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: string;
}

export const HEADERS: Row = {
  bench: "bench",
  figure: "figure",
  value: "value",
  baseline: "baseline (same run)",
  ratio: "ratio",
  target: "target",
  ok: "ok?",
};

export function toRow(f: Figure): Row {
  const r = ratioOf(f);
  return {
    bench: f.bench,
    figure: f.name,
    value: fmt(f.value, f.unit),
    baseline: f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value, f.unit)}` : "-",
    ratio: r === null ? "-" : `${r.toFixed(2)}×`,
    target: f.targets?.map((t) => targetText(t, f.unit)).join("; ") || "-",
    ok: verdict(f),
  };
}

const COLUMNS = Object.keys(HEADERS) as (keyof Row)[];

export function textTable(figures: Figure[]): string {
  const rows = [HEADERS, ...figures.map(toRow)];
  const widths = COLUMNS.map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: Row) =>
    COLUMNS.map((c, i) => r[c].padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(HEADERS), rule, ...rows.slice(1).map(line)].join("\n");
}

/** A Markdown table with padded columns (the layout `biome format` gives, so `npm run lint` passes on RESULTS.md). */
export function markdownTable(figures: Figure[]): string {
  const esc = (r: Row) => Object.fromEntries(COLUMNS.map((c) => [c, r[c].replaceAll("|", "\\|")])) as unknown as Row;
  const rows = [HEADERS, ...figures.map(toRow)].map(esc);
  const widths = COLUMNS.map((c) => Math.max(3, ...rows.map((r) => r[c].length)));
  const line = (r: Row) => `| ${COLUMNS.map((c, i) => r[c].padEnd(widths[i] as number)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(rows[0] as Row), rule, ...rows.slice(1).map(line)].join("\n");
}
