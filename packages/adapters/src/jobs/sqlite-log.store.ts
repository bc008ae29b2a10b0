import type Database from "better-sqlite3";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { storedLogLineSchema } from "@parallax/domain/jobs";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";
import { groupCommitOf, readWaitingIfBusy, whileBlocking, type GroupCommit } from "./sqlite-group-commit.js";
import { openJobsDatabase, rebuildInArrivalOrder, type ArrivalOrderedTable, type SqliteJobStoreOptions } from "./sqlite-jobs-database.js";
import { readStored } from "./stored-documents.js";

/**
 * Lines per row: a row is one small statement (a JSON array of up to this many lines), so an
 * append of any size is a few statements, the event loop free between them (measured: ~100 µs
 * a row of 128 lines, `bench jobs --only sqlite_op_us`). A row per line
 * cost ~5 µs a line in B-tree inserts: a process printing 60,000 lines at once would be paced
 * by it (the worker reads a process's pipes no faster than its log is stored).
 */
const CHUNK = 128;
/** Rows a read statement returns: at most ~2 × CHUNK lines parsed before the loop is free again. */
const ROWS_PER_READ = 2;

/**
 * Rows in arrival order (`seq`), `(job_id, first_offset)` a unique index beside them: the rows
 * appended together (the jobs of a worker's batch) share a page or two. Keyed by job (`WITHOUT
 * ROWID`, before), each job's row went to a page of its own among the others' (with random,
 * version 4, job ids), and a batch of eight jobs' rows rewrote eight pages, often split (2.2 pages a
 * no-op job, against ~1 for the index's small entries now). `rebuildInArrivalOrder` converts a
 * file of the previous layout.
 */
const COLUMNS = `
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  first_offset INTEGER NOT NULL,
  count INTEGER NOT NULL,
  lines TEXT NOT NULL,
  UNIQUE (job_id, first_offset)`;

const SCHEMA = `CREATE TABLE IF NOT EXISTS job_log_chunks (${COLUMNS}
);
`;

const LOG_TABLE: ArrivalOrderedTable = { name: "job_log_chunks", columns: COLUMNS, copied: "job_id, first_offset, count, lines", order: "job_id, first_offset", schema: "" };

const storedChunkSchema = z.array(storedLogLineSchema);

interface ChunkRow {
  first_offset: number;
  count: number;
  lines: string;
}

/**
 * Append-only job logs in the SQLite file of the job store (`JOBS_STORE=sqlite`): rows of up
 * to `CHUNK` consecutive lines (`[stream, timestamp, message]` as the file log store writes
 * them), in arrival order, unique by job and first offset. An append numbers its lines after the job's last row,
 * one `INSERT … SELECT` statement per row, in its turn's `BEGIN IMMEDIATE` transaction
 * (`GroupCommit`, shared with the job store on the same connection: a no-op job's log and its
 * completion, or eight jobs' claims, commit together), which holds the write lock before it
 * reads the job's last offset: two writers of one job (which the worker never makes) would
 * still not collide; a read is a range of the (job, first offset) index, after the pending appends of that
 * job committed. Every row read back is parsed (`storedLogLineSchema`).
 */
export class SqliteLogStore implements LogStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly group: GroupCommit;

  /**
   * `connection`: the job store's (`SqliteJobStore.db`) in the same process, so both share one
   * connection's page cache, not two reset by each other's commits. The log store then does not
   * close it. Its writes stay out of the job store's group commit (see `write`).
   */
  constructor(
    readonly file: string,
    options: SqliteJobStoreOptions & { readonly connection?: Database.Database } = {},
  ) {
    this.shared = options.connection !== undefined;
    this.db = options.connection ?? openJobsDatabase(file, options, "");
    whileBlocking(this.db, () => {
      rebuildInArrivalOrder(this.db, LOG_TABLE);
      this.db.exec(SCHEMA);
    });
    this.group = groupCommitOf(this.db);
    this.statements = {
      size: this.db.prepare<[string], { size: number }>(
        "SELECT coalesce((SELECT first_offset + count FROM job_log_chunks WHERE job_id = ? ORDER BY first_offset DESC LIMIT 1), 0) AS size",
      ),
      insert: this.db.prepare("INSERT INTO job_log_chunks (job_id, first_offset, count, lines) VALUES (?, ?, ?, ?)"),
      // A row numbered after the job's last, in one statement (one transaction, one write lock).
      append: this.db.prepare<[string, string, number, string], { first_offset: number }>(
        `INSERT INTO job_log_chunks (job_id, first_offset, count, lines)
         SELECT ?, coalesce((SELECT first_offset + count FROM job_log_chunks WHERE job_id = ? ORDER BY first_offset DESC LIMIT 1), 0), ?, ?
         RETURNING first_offset`,
      ),
      // The row holding `offset` and the ones after it; the row count in the text (a `LIMIT`
      // parameter has SQLite compile the statement again each time it is bound).
      read: this.db.prepare<[string, string, number], ChunkRow>(
        `SELECT first_offset, count, lines FROM job_log_chunks WHERE job_id = ? AND first_offset >=
         coalesce((SELECT first_offset FROM job_log_chunks WHERE job_id = ? AND first_offset <= ? ORDER BY first_offset DESC LIMIT 1), 0)
         ORDER BY first_offset LIMIT ${ROWS_PER_READ}`,
      ),
    };
  }

  private appendChunk(jobId: string, entries: readonly LogEntry[]): LogLine[] {
    const lines = JSON.stringify(entries.map((entry) => [entry.stream, entry.timestamp, entry.message]));
    // `all` runs the statement to its end, where its transaction commits.
    const first = this.statements.append.all(jobId, jobId, entries.length, lines)[0]!.first_offset;
    return entries.map((entry, index) => ({ ...entry, offset: first + index }));
  }

  /**
   * Each row a write of its turn's group commit, answered once that committed; a batch of more
   * than `CHUNK` lines takes a turn a row (the event loop is free between rows). The worker
   * holds at most `maxBufferedLines` while an append waits, then stops reading the process:
   * a fast writer is paced by its log, none of its lines dropped.
   */
  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    const self = this;
    // One row (the worker's usual append: a line or a few): no generator.
    if (entries.length <= CHUNK) return entries.length === 0 ? Effect.succeed([]) : this.write(jobId, entries);
    return Effect.gen(function* () {
      const written: LogLine[] = [];
      for (let start = 0; start < entries.length; start += CHUNK) written.push(...(yield* self.write(jobId, entries.slice(start, start + CHUNK))));
      return written;
    });
  }

  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const from = Math.max(0, Math.floor(fromOffset));
      const wanted = Math.max(0, Math.floor(limit));
      const lines: LogLine[] = [];
      let next = from;
      while (lines.length < wanted) {
        if (lines.length > 0) yield* Effect.yieldNow;
        const rows = yield* self.call(() => self.statements.read.all(jobId, jobId, next).map((found) => self.parseChunk(jobId, found)), jobId);
        for (const row of rows) for (const line of row) if (line.offset >= next && lines.length < wanted) lines.push(line);
        if (rows.length < ROWS_PER_READ || lines.length >= wanted) break;
        next = rows.at(-1)!.at(-1)!.offset + 1;
      }
      if (lines.length > 0) return { lines, nextOffset: lines.at(-1)!.offset + 1 };
      // Nothing at or past `from`: the end, as the other stores answer.
      const size = yield* self.size(jobId);
      return { lines, nextOffset: Math.min(from, size) };
    });
  }

  size(jobId: string): Effect.Effect<number, StorageFailure> {
    return this.call(() => this.statements.size.get(jobId)!.size, jobId);
  }

  /**
   * A job's whole log as another store kept it (`parallax migrate-jobs`), in one transaction,
   * unless this store already has lines for it: answers how many lines were written.
   */
  importLog(jobId: string, lines: readonly LogLine[]): Effect.Effect<number, StorageFailure> {
    return this.call(() =>
      whileBlocking(this.db, () =>
        this.db
          .transaction(() => {
            if (this.statements.size.get(jobId)!.size > 0) return 0;
            for (let start = 0; start < lines.length; start += CHUNK) {
              const chunk = lines.slice(start, start + CHUNK);
              this.statements.insert.run(jobId, chunk[0]!.offset, chunk.length, JSON.stringify(chunk.map((line) => [line.stream, line.timestamp, line.message])));
            }
            return lines.length;
          })
          .immediate(),
      ),
    );
  }

  private readonly shared: boolean;

  close(): void {
    this.group.flush(true);
    if (!this.shared) this.db.close();
  }

  private parseChunk(jobId: string, found: ChunkRow): LogLine[] {
    const lines = readStored(storedChunkSchema, found.lines, `log lines ${found.first_offset}… of job ${jobId} in ${this.file}`);
    return lines.map(([stream, timestamp, message], index) => ({ stream, timestamp, message, offset: found.first_offset + index }));
  }

  /** One row of `entries` appended in the turn's transaction (`GroupCommit`), answered once it committed. */
  private write(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    return this.group.write(logKey(jobId), () => Effect.succeed(this.appendChunk(jobId, entries)), this.failure);
  }

  /**
   * `body`'s answer, or a StorageFailure for what it threw. The appends pending in this turn
   * commit first (those of `jobId` only, when it reads one job's log): a read sees them.
   */
  private call<A>(body: () => A, jobId?: string): Effect.Effect<A, StorageFailure> {
    return Effect.suspend(() => {
      try {
        if (jobId === undefined) this.group.flush();
        else this.group.flushFor(logKey(jobId));
        return Effect.succeed(readWaitingIfBusy(this.db, body));
      } catch (cause) {
        return Effect.fail(this.failure(cause));
      }
    });
  }

  private readonly failure = (cause: unknown): StorageFailure =>
    cause instanceof StorageFailure ? cause : new StorageFailure({ message: `SQLite log store ${this.file}: ${(cause as Error).message}`, cause });
}

/** What an append writes, for `GroupCommit.flushFor` (the job store's keys are `job:` and `claim:`). */
const logKey = (jobId: string) => `log:${jobId}`;
