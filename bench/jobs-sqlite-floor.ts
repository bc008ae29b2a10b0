/**
 * `jobs.sqlite_floor`: what a no-op job's SQL costs on one thread with nothing else around it,
 * the ceiling the SQLite store can approach on the worker's thread. The statements the store
 * runs for one job (the two claim reads, shared by a batch of 8; the claim's `UPDATE`; the log
 * row's `INSERT … SELECT`; the completion's `UPDATE`), on a file the store itself created (its
 * schema, WAL, `synchronous=normal`, checkpoints), in the store's two transactions per batch,
 * called straight on better-sqlite3: no Effect, no zod, no JSON, no worker. The documents are as
 * long as a completed no-op job's (774 bytes) and the log rows as its two lines (189).
 *
 * Beside it, the worker loop alone (the memory store's throughput, measured in the same run):
 * one thread doing both cannot beat `1 / (floor + loop)`, printed as `one_thread_ceiling_jobs_per_s`.
 * Keep the SQL texts the same as `SqliteJobStore`'s and `SqliteLogStore`'s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeOrderedIdGenerator } from "@parallax/adapters";
import { SqliteJobStore, SqliteLogStore } from "@parallax/adapters/jobs";
import { collectGarbage, emit, loadAverages, round } from "./support.js";

export const DOC = "x".repeat(774);
export const LINES = "y".repeat(189);
const BATCH = 8;

/** The store's statements on a no-op job's path (also run by `jobs-sqlite-thread-model.ts`'s thread). */
export const FLOOR_SQL = {
  expired: `SELECT id, doc FROM jobs INDEXED BY jobs_leases WHERE status = 'running' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ${BATCH}`,
  due: `SELECT id, doc FROM jobs INDEXED BY jobs_ready WHERE status = 'pending' AND run_at <= ? ORDER BY priority DESC, run_at, created_at, id LIMIT ${BATCH}`,
  update: "UPDATE jobs SET version = ?, status = ?, priority = ?, run_at = ?, lease_expires_at = ?, doc = ? WHERE id = ? AND version = ?",
  appendLog: `INSERT INTO job_log_chunks (job_id, first_offset, count, lines)
    SELECT ?, coalesce((SELECT first_offset + count FROM job_log_chunks WHERE job_id = ? ORDER BY first_offset DESC LIMIT 1), 0), ?, ?
    RETURNING first_offset`,
} as const;

/**
 * A job store's file in `dir` (its schema and the log table's, made by the stores themselves)
 * holding `jobs` pending no-op jobs due from `now` on, with the apps' ids; the store is open.
 */
export function seededStore(dir: string, jobs: number, now: number): SqliteJobStore {
  const store = new SqliteJobStore(join(dir, "jobs.sqlite"));
  new SqliteLogStore(store.file, { connection: store.db });
  const insert = store.db.prepare(
    `INSERT INTO jobs (id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc, owner)
     VALUES (?, 1, 'pending', 'noop', ?, 0, ?, NULL, ?, 'local')`,
  );
  const ids = new TimeOrderedIdGenerator();
  store.db.transaction(() => {
    for (let i = 0; i < jobs; i++) insert.run(ids.next(), now + i, now + i, DOC);
  }).immediate();
  return store;
}

/** µs per job (CPU of this process, and wall), for `jobs` no-op jobs' statements. */
function measureFloor(jobs: number): { cpuUs: number; wallUs: number } {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-sqlite-floor-"));
  const now = Date.now();
  const store = seededStore(dir, jobs, now);
  const db = store.db;
  try {
    const expired = db.prepare(FLOOR_SQL.expired);
    const due = db.prepare<[number], { id: string; doc: string }>(FLOOR_SQL.due);
    const update = db.prepare(FLOOR_SQL.update);
    const appendLog = db.prepare(FLOOR_SQL.appendLog);
    const begin = db.prepare("BEGIN IMMEDIATE");
    const commit = db.prepare("COMMIT");
    const later = now + jobs + 1;
    collectGarbage();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let done = 0; done < jobs; ) {
      expired.all(later);
      const batch = due.all(later);
      begin.run();
      for (const row of batch) update.run(2, "running", 0, now, later + 30_000, DOC, row.id, 1);
      commit.run();
      begin.run();
      for (const row of batch) {
        appendLog.all(row.id, row.id, 2, LINES);
        update.run(3, "completed", 0, now, null, DOC, row.id, 2);
      }
      commit.run();
      done += batch.length;
    }
    const wallUs = (performance.now() - started) * 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { cpuUs: (cpu.user + cpu.system) / jobs, wallUs: wallUs / jobs };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `loopJobsPerSecond`: the memory store's throughput with 1 worker, measured by the caller in the same run. */
export function sqliteFloor(jobs: number, loopJobsPerSecond: number, bullmqJobsPerSecond?: number): void {
  const floor = measureFloor(jobs);
  const loopUs = 1e6 / loopJobsPerSecond;
  const ceiling = 1e6 / (floor.wallUs + loopUs);
  emit("jobs.sqlite_floor", {
    jobs,
    batch: BATCH,
    statements_per_job: 3 + 2 / BATCH,
    commits_per_job: 2 / BATCH,
    sql_us_per_job_cpu: round(floor.cpuUs, 1),
    sql_us_per_job_wall: round(floor.wallUs, 1),
    sql_alone_jobs_per_s: round(1e6 / floor.wallUs, 0),
    worker_loop_us_per_job: round(loopUs, 1),
    one_thread_ceiling_jobs_per_s: round(ceiling, 0),
    ...(bullmqJobsPerSecond === undefined ? {} : { bullmq_jobs_per_s: round(bullmqJobsPerSecond, 0), one_thread_ceiling_ratio_to_bullmq: round(ceiling / bullmqJobsPerSecond, 2) }),
    loadavg_1_5_15: loadAverages(),
  });
}
