/** Run and final reports. */
import type Database from "better-sqlite3";
import type { JobId, Report } from "../../api/types.js";
import type { NewReport } from "../storage.js";

export class ReportStatements {
  private readonly insert: Database.Statement;
  private readonly byJob: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      "INSERT INTO reports (job_id, run_id, reporter_name, success, data, report_time) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.byJob = db.prepare("SELECT * FROM reports WHERE job_id = ? ORDER BY run_id, id");
  }

  add(r: NewReport, now: number): void {
    this.insert.run(r.jobId, r.runId, r.reporterName, r.success ? 1 : 0, JSON.stringify(r.data ?? null), now);
  }

  list(jobId: JobId): Report[] {
    type Row = {
      job_id: number;
      run_id: number;
      reporter_name: string;
      success: number;
      data: string;
      report_time: number;
    };
    return (this.byJob.all(jobId) as Row[]).map((r) => ({
      JobID: r.job_id,
      RunID: r.run_id,
      ReporterName: r.reporter_name,
      ReportTime: new Date(r.report_time).toISOString(),
      Success: r.success === 1,
      Data: JSON.parse(r.data),
    }));
  }
}
