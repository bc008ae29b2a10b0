// The SQL thread of `jobs-sqlite-thread-model.ts` (plain JavaScript: a worker thread does not get
// the benchmark's TypeScript loader). It owns a connection to the file the main thread created
// with `SqliteJobStore` (its schema), with the store's pragmas, and runs the statements of
// `jobs-sqlite-floor.ts`: a claim message reads 8 due jobs and claims them in one transaction,
// a completion message writes each job's log row and completion in one transaction.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, doc, lines, now, later } = workerData;
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 4000");
const due = db.prepare("SELECT id, doc FROM jobs INDEXED BY jobs_ready WHERE status = 'pending' AND run_at <= ? ORDER BY priority DESC, run_at, created_at, id LIMIT 8");
const update = db.prepare("UPDATE jobs SET version = ?, status = ?, priority = ?, run_at = ?, lease_expires_at = ?, doc = ? WHERE id = ? AND version = ?");
const appendLog = db.prepare(
  `INSERT INTO job_log_chunks (job_id, first_offset, count, lines)
   SELECT ?, coalesce((SELECT first_offset + count FROM job_log_chunks WHERE job_id = ? ORDER BY first_offset DESC LIMIT 1), 0), ?, ?
   RETURNING first_offset`,
);
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
parentPort.on("message", (message) => {
  if (message.kind === "close") {
    db.close();
    parentPort.close();
    return;
  }
  begin.run();
  if (message.kind === "claim") {
    const rows = due.all(later);
    for (const row of rows) update.run(2, "running", 0, now, later + 30_000, doc, row.id, 1);
    commit.run();
    parentPort.postMessage({ seq: message.seq, rows });
  } else {
    for (const id of message.ids) {
      appendLog.all(id, id, 2, lines);
      update.run(3, "completed", 0, now, null, doc, id, 2);
    }
    commit.run();
    parentPort.postMessage({ seq: message.seq });
  }
});
parentPort.postMessage({ ready: true });
