/** Applies numbered SQL migrations (migrations/NNNN_name.sql) in order, each in its own transaction. */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";

/** The migrations folder at the package root (this file is dist/src/storage/sqlite/migrate.js once built). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../migrations/", import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(`${dir}/${f}`, "utf8") }));
}

/** Returns the versions applied by this call. */
export function migrate(db: Database.Database, migrations = loadMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    // The row goes in first, so a second process racing this one fails on the primary key and rolls back.
    db.transaction(() => {
      record.run(m.version, m.name, Date.now());
      db.exec(m.sql);
    }).immediate();
    done.push(m.version);
  }
  return done;
}
