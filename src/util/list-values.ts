/** Values given as repeated fields or flags, each possibly comma-separated: ["a,b", "c"] → ["a", "b", "c"]. */
export function listValues(v: string | readonly string[] | undefined): string[] {
  const list = typeof v === "string" ? [v] : (v ?? []);
  return list
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
