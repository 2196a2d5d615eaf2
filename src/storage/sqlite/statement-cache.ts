/**
 * Statements whose SQL is built per call from a small, bounded set of shapes (optional filters, an IN list of
 * some length): each shape is prepared once, since preparing costs more than running the query.
 */
import type Database from "better-sqlite3";

export class StatementCache {
  private readonly db: Database.Database;
  private readonly bySql = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
  }

  /** The prepared statement for `sql`; callers keep the number of distinct shapes bounded. */
  get(sql: string): Database.Statement {
    let stmt = this.bySql.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.bySql.set(sql, stmt);
    }
    return stmt;
  }
}
