/** The machine description printed in the header: versions, CPU, memory, and the data filesystem's fsync rate. */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

export interface Machine {
  node: string;
  sqlite: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  /** fsyncs per second of a small overwrite in a file in the data directory's filesystem. */
  fsyncPerS: number;
  dataRoot: string;
  /** 1-minute load average at start: other work on the machine skews every figure. */
  load: number;
}

/** 200 (by default) write+fsync rounds of 512 bytes at offset 0 of a temp file under `dir`. */
export function fsyncRate(dir: string, rounds = 200): number {
  const tmp = mkdtempSync(join(dir, "fsync-"));
  const fd = openSync(join(tmp, "probe"), "w");
  const buf = Buffer.alloc(512, 7);
  try {
    writeSync(fd, buf, 0, buf.length, 0);
    fsyncSync(fd);
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      writeSync(fd, buf, 0, buf.length, 0);
      fsyncSync(fd);
    }
    return rounds / ((performance.now() - t0) / 1000);
  } finally {
    closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function describeMachine(dataRoot: string): Machine {
  const db = new Database(":memory:");
  const sqlite = String(db.prepare("SELECT sqlite_version()").pluck().get());
  db.close();
  const cpu = cpus();
  return {
    node: process.version,
    sqlite,
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGb: totalmem() / 2 ** 30,
    kernel: `${process.platform} ${release()}`,
    fsyncPerS: fsyncRate(dataRoot),
    dataRoot,
    load: loadavg()[0] ?? 0,
  };
}

export function machineLines(m: Machine, durability: string, mode: string): string[] {
  return [
    `Node ${m.node}, SQLite ${m.sqlite} (better-sqlite3), ${m.kernel}`,
    `CPU: ${m.cpu} x ${m.cores} cores, ${m.memoryGb.toFixed(1)} GB RAM`,
    `Disk: ${Math.round(m.fsyncPerS).toLocaleString("en-US")} fsyncs/s (200 x 512 B write+fsync in ${m.dataRoot})`,
    `Load average at start: ${m.load.toFixed(2)}${m.load > m.cores / 2 ? " (busy machine: other processes share the CPU and disk, figures are skewed)" : ""}`,
    `Durability: ${durability}; setting: ${mode}`,
  ];
}
