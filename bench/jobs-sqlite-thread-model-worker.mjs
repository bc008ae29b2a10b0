// The SQL thread of `jobs-sqlite-thread-model.ts` (plain JavaScript: a worker thread does not get
// the benchmark's TypeScript loader). It owns a connection to the file the main thread created
// with `SqliteJobStore` (its schema), with the store's pragmas, and runs the statements of
// `jobs-sqlite-floor.ts` (`FLOOR_SQL`, passed in `workerData`): a claim message reads 8 due jobs and claims them in one transaction,
// a completion message writes each job's log row and completion in one transaction.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, sql, doc, lines, now, later } = workerData;
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 4000");
const due = db.prepare(sql.due);
const update = db.prepare(sql.update);
const appendLog = db.prepare(sql.appendLog);
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
