/** Target locks: one job per target; a lock past its expiry belongs to nobody. */
import type Database from "better-sqlite3";
import type { JobId } from "../../api/types.js";

export class LockStatements {
  private readonly holder: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly refresh: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly removeAll: Database.Statement;

  constructor(db: Database.Database) {
    this.holder = db.prepare("SELECT job_id, expires_at FROM target_locks WHERE target_id = ?");
    this.upsert = db.prepare(`INSERT INTO target_locks (target_id, job_id, expires_at) VALUES (?, ?, ?)
      ON CONFLICT(target_id) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at`);
    this.refresh = db.prepare("UPDATE target_locks SET expires_at = ? WHERE target_id = ? AND job_id = ?");
    this.remove = db.prepare("DELETE FROM target_locks WHERE target_id = ? AND job_id = ?");
    this.removeAll = db.prepare("DELETE FROM target_locks WHERE job_id = ?");
  }

  /** Inside a transaction: all or nothing. Returns the targets held by other jobs (empty = locked). */
  lock(jobId: JobId, targetIds: string[], ttlMs: number, now: number): string[] {
    const busy = targetIds.filter((id) => {
      const h = this.holder.get(id) as { job_id: number; expires_at: number } | undefined;
      return h !== undefined && h.job_id !== jobId && h.expires_at > now;
    });
    if (busy.length > 0) return busy;
    for (const id of targetIds) this.upsert.run(id, jobId, now + ttlMs);
    return [];
  }

  refreshAll(jobId: JobId, targetIds: string[], ttlMs: number, now: number): void {
    for (const id of targetIds) this.refresh.run(now + ttlMs, id, jobId);
  }

  unlockJob(jobId: JobId): void {
    this.removeAll.run(jobId);
  }

  unlock(jobId: JobId, targetIds: string[]): void {
    for (const id of targetIds) this.remove.run(id, jobId);
  }
}
