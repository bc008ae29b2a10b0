import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { LOCAL_USER_ID } from "@parallax/domain";
import { waitWithoutBlocking, whileBlocking } from "./sqlite-group-commit.js";

/**
 * `normal`: in WAL mode a commit is written to the WAL (the OS page cache) without fsync:
 * it survives the process being killed at any moment; a power cut or kernel crash may lose
 * the last commits (never corrupts the file). `full`: every commit fsyncs the WAL first:
 * it survives a power cut too, at the price of one fsync per write.
 */
export type SqliteSynchronous = "normal" | "full";

export interface SqliteJobStoreOptions {
  readonly synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's write lock before failing (SQLite's busy_timeout). */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating it and its directory if needed) the SQLite file the job and log stores share,
 * in WAL mode (readers never block the writer nor the writer them; the mode is stored in the
 * file) at the chosen durability, and applies `schema` (idempotent: every process opening the
 * file runs it).
 */
export function openJobsDatabase(file: string, options: SqliteJobStoreOptions, schema: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5_000 });
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  // A checkpoint copies each page changed since the last one back into the file, once, inside
  // the commit that crosses the threshold: every 4,000 pages (16 MiB of WAL), not SQLite's
  // 1,000, a queue's hot pages (the ready index, the newest rows) are copied a quarter as often
  // (no-op jobs: commits' mean 66 → 54 µs, ~5 % more jobs/s).
  db.pragma("wal_autocheckpoint = 4000");
  db.exec(schema);
  waitWithoutBlocking(db, options.busyTimeoutMs ?? 5_000);
  return db;
}

/**
 * A job's owner as `JobQuery.owner` reads it, from its document: one stored without owner is
 * `LOCAL_USER_ID`'s (a literal: SQL of the schema takes no parameters; the id is a plain word).
 */
const ownerOfDoc = (doc: string) => `coalesce(json_extract(${doc}, '$.owner'), '${LOCAL_USER_ID}')`;

/**
 * The jobs table's columns. A rowid table whose rows are in arrival order (`seq`, the rowid),
 * `id` a unique index beside it, not a table clustered by `id` (`WITHOUT ROWID`, before): with
 * random ids (UUID v4, as the apps made them before `TimeOrderedIdGenerator`, and as older rows
 * keep them) a table ordered by id put each job's row on a page of its own among all the
 * others', and every claim and completion of a worker's batch rewrote a different page; a
 * row of ~0.7 KB (the document) is also far past the ~200 bytes (1/20 of a page) up to which
 * SQLite advises clustering by key, as its interior pages hold whole keys (here whole rows):
 * few per page, so a row growing with its history split pages up to the root. In arrival
 * order a batch of jobs claimed or finished together is a run of neighbouring rows on a few
 * pages; the interior pages hold integers only. Measured with UUID ids, 20,000 no-op jobs, 1
 * worker of concurrency 8: WAL pages a job 6.2 → 4.9, commits' time a job 56 → 35 µs (see the
 * jobs adapters' README). `rebuildInArrivalOrder` converts a file of the previous layout.
 */
const JOBS_TABLE_COLUMNS = `
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  priority REAL NOT NULL,
  run_at INTEGER NOT NULL,
  lease_expires_at INTEGER,
  doc TEXT NOT NULL,
  owner TEXT`;

/** The columns a row is written with (all but `seq`, which SQLite assigns in arrival order). */
const JOBS_ROW = "id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc, owner";

/**
 * The schema, created idempotently by every process that opens the file (`ownerColumn` adds the
 * `owner` column to a file created before it, before the owner index and trigger are created;
 * `fillOwners` fills it after them).
 *
 * `owner` (`JobQuery.owner`: one user's listing) is a plain column written by `insert` and never
 * by `replace` (a job's owner is fixed at submit), indexed with the creation order
 * (`jobs_owner_created`), so a user's listing reads their newest rows only, however many jobs
 * others have. Not an index on an expression of `doc` (`json_extract(doc, '$.owner')`): every
 * `replace` rewrites `doc`, so SQLite would recompute that entry (`json_extract` over the whole
 * document) and rewrite it on every claim, heartbeat and finish; this index is written once per job, at insert. Not a generated
 * column: a stored one cannot be added to an existing table without rebuilding it, a virtual one
 * is the same expression index. `jobs_owner_filled` fills the column from the document for a row
 * inserted without it (a process of an older version still writing the file), so once a process
 * has opened the file `owner` is never NULL and the listing's `owner = ?` misses no one's job.
 */
const JOB_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (${JOBS_TABLE_COLUMNS}
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (priority DESC, run_at, created_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_pipeline_created ON jobs (pipeline, created_at DESC, id DESC);
DROP INDEX IF EXISTS jobs_status_created;
CREATE INDEX IF NOT EXISTS jobs_listed ON jobs (status, created_at DESC, id DESC) WHERE status <> 'running';
CREATE INDEX IF NOT EXISTS jobs_owner_created ON jobs (owner, created_at DESC, id DESC);
CREATE TRIGGER IF NOT EXISTS jobs_owner_filled AFTER INSERT ON jobs WHEN NEW.owner IS NULL
BEGIN UPDATE jobs SET owner = ${ownerOfDoc("NEW.doc")} WHERE id = NEW.id; END;
CREATE TABLE IF NOT EXISTS exclusive_claims (
  pipeline TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

/** The jobs table, for `rebuildInArrivalOrder`: rows in creation order. */
const JOBS_TABLE: ArrivalOrderedTable = { name: "jobs", columns: JOBS_TABLE_COLUMNS, copied: JOBS_ROW, order: "created_at, id", schema: JOB_STORE_SCHEMA };

/**
 * The job store's connection to `file`: opened by `openJobsDatabase`, its schema applied after
 * `ownerColumn` (at open, waiting on this thread for another process's lock is right: see
 * `whileBlocking`).
 */
export function openJobStoreDatabase(file: string, options: SqliteJobStoreOptions): Database.Database {
  const db = openJobsDatabase(file, options, "");
  whileBlocking(db, () => {
    ownerColumn(db);
    rebuildInArrivalOrder(db, JOBS_TABLE);
    db.exec(JOB_STORE_SCHEMA);
    fillOwners(db);
  });
  return db;
}

/** Rows `fillOwners` writes per transaction: a few milliseconds of another process's writes waiting, not the whole table's. */
const OWNER_FILL_ROWS = 2_000;

/**
 * Fills `owner` from the document of every row without one (a file made before the column), at
 * most `rowsPerTransaction` rows per transaction, the newest first: on a large old file another
 * process's write waits for one batch (its busy timeout is seconds), never for the whole table.
 * Every process of this version runs it at open, before it serves a listing, until no row lacks
 * an owner; the `jobs_owner_filled` trigger fills rows an older process inserts meanwhile, so
 * none stays without. Answers the rows filled (none, at once, on a file that needs nothing).
 */
export function fillOwners(db: Database.Database, rowsPerTransaction = OWNER_FILL_ROWS): number {
  const lacking = "SELECT id FROM jobs INDEXED BY jobs_owner_created WHERE owner IS NULL";
  if (!db.prepare(`${lacking} LIMIT 1`).get()) return 0;
  const fill = db.prepare(`UPDATE jobs SET owner = ${ownerOfDoc("doc")} WHERE id IN (${lacking} LIMIT ${Math.max(1, Math.floor(rowsPerTransaction))})`);
  let filled = 0;
  for (;;) {
    const changed = db.transaction(() => fill.run().changes).immediate();
    filled += changed;
    if (changed === 0) return filled;
  }
}

/**
 * Adds the `owner` column to a jobs table created before it (SQLite adds a column without
 * rewriting a row; `fillOwners` fills it afterwards, in batches): once per file, checked again
 * inside the write transaction, so processes opening the file together add it once
 * (`ALTER TABLE … ADD COLUMN` has no `IF NOT EXISTS`).
 */
function ownerColumn(db: Database.Database): void {
  // No table yet: SCHEMA creates it with the column.
  const lacksOwner = () => {
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('jobs')").all();
    return columns.length > 0 && !columns.some((column) => column.name === "owner");
  };
  if (!lacksOwner()) return;
  db.transaction(() => {
    if (!lacksOwner()) return;
    db.exec("ALTER TABLE jobs ADD COLUMN owner TEXT");
  }).immediate();
}

/** A table `rebuildInArrivalOrder` converts: its rowid layout, the columns copied, the schema made with it. */
export interface ArrivalOrderedTable {
  readonly name: string;
  /** The columns of `CREATE TABLE`, `seq INTEGER PRIMARY KEY` first. */
  readonly columns: string;
  /** The columns copied (all but `seq`, which SQLite assigns in the order of the copy). */
  readonly copied: string;
  readonly order: string;
  /** The table's indexes and triggers (idempotent), made in the same transaction. */
  readonly schema: string;
}

/**
 * Rewrites a table of the previous layout (clustered by its key: `WITHOUT ROWID`) as the
 * rowid table `table` describes, its rows in `order`, every column as it was (versions,
 * documents, owners, log lines): once per file, checked again inside the write transaction, so
 * processes opening the file together rebuild it once. The indexes and triggers are made in the
 * same transaction, so another process never meets the table without them (its claims name
 * `jobs_ready` and `jobs_leases`). A process of the previous version keeps working on the new
 * table: its statements name columns and keys that stay unique (its `ON CONFLICT (id)` holds),
 * and SQLite prepares them again after the schema changed. The copy holds the write lock for
 * the whole table, indexes included (jobs: ~0.2 s for 20,000, ~1.1 s for 100,000 on this
 * machine; their logs a tenth of that); another process's write waits up to its busy timeout
 * (5 s), so a file of several hundred thousand jobs is best opened first with the others stopped
 * (README.md, `JOBS_STORE=sqlite`).
 */
export function rebuildInArrivalOrder(db: Database.Database, table: ArrivalOrderedTable): void {
  const clusteredByKey = () =>
    /\bWITHOUT\s+ROWID\b/i.test(db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table.name)?.sql ?? "");
  if (!clusteredByKey()) return;
  db.transaction(() => {
    if (!clusteredByKey()) return;
    const rebuilt = `${table.name}_in_arrival_order`;
    db.exec(`
      CREATE TABLE ${rebuilt} (${table.columns});
      INSERT INTO ${rebuilt} (${table.copied}) SELECT ${table.copied} FROM ${table.name} ORDER BY ${table.order};
      DROP TABLE ${table.name};
      ALTER TABLE ${rebuilt} RENAME TO ${table.name};
      ${table.schema}`);
  }).immediate();
}
