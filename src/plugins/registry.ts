/** Plugins by kind and case-insensitive name; duplicate names are rejected when the registry is built. */
import type { Plugin, Reporter, Step, TargetManager, TestFetcher } from "./types.js";

export class PluginRegistry {
  private readonly byKind = new Map<Plugin["kind"], Map<string, Plugin>>();

  constructor(plugins: readonly Plugin[]) {
    for (const p of plugins) {
      let kind = this.byKind.get(p.kind);
      if (!kind) {
        kind = new Map();
        this.byKind.set(p.kind, kind);
      }
      const key = p.name.toLowerCase();
      if (kind.has(key)) throw new Error(`duplicate ${p.kind} plugin "${p.name}"`);
      if (p.kind === "step" && p.events.some((e) => !/^[A-Za-z]\w*$/.test(e)))
        throw new Error(`step plugin "${p.name}" declares an invalid event name`);
      kind.set(key, p);
    }
  }

  private find<T extends Plugin>(kind: T["kind"], name: string): T | undefined {
    return this.byKind.get(kind)?.get(name.toLowerCase()) as T | undefined;
  }

  targetManager(name: string): TargetManager | undefined {
    return this.find<TargetManager>("targetmanager", name);
  }
  testFetcher(name: string): TestFetcher | undefined {
    return this.find<TestFetcher>("testfetcher", name);
  }
  step(name: string): Step | undefined {
    return this.find<Step>("step", name);
  }
  reporter(name: string): Reporter | undefined {
    return this.find<Reporter>("reporter", name);
  }

  names(kind: Plugin["kind"]): string[] {
    return [...(this.byKind.get(kind)?.values() ?? [])].map((p) => p.name);
  }
}
