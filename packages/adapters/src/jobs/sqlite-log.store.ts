import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Effect } from "effect";
import { StorageFailure } from "@parallax/domain";
import { storedLogLineSchema } from "@parallax/domain/jobs";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";
import type { SqliteJobStoreOptions } from "./sqlite-job.store.js";

/**
 * Lines per transaction (and per read statement): ~2 µs a row keeps each one near the
 * ~100 µs a call may hold the event loop; a larger append or page is several, the loop
 * free between them.
 */
const CHUNK = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_logs (
  job_id TEXT NOT NULL,
  offset INTEGER NOT NULL,
  stream TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (job_id, offset)
) WITHOUT ROWID;
`;

interface LineRow {
  offset: number;
  stream: string;
  timestamp: string;
  message: string;
}

/**
 * Append-only job logs in the SQLite file of the job store (`JOBS_STORE=sqlite`): one row per
 * line, keyed by job and offset. An append is a few small transactions of at most `CHUNK`
 * lines, each numbering its lines after the job's last (`BEGIN IMMEDIATE`, so two writers of
 * one job, which the worker never makes, would still not collide); a read is a range of the
 * primary key. Every row read back is parsed (`storedLogLineSchema`).
 */
export class SqliteLogStore implements LogStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly appendChunk: (jobId: string, entries: readonly LogEntry[]) => LogLine[];

  constructor(
    readonly file: string,
    options: SqliteJobStoreOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: options.busyTimeoutMs ?? 5_000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    this.db.exec(SCHEMA);
    this.statements = {
      size: this.db.prepare<[string], { size: number }>("SELECT coalesce(max(offset) + 1, 0) AS size FROM job_logs WHERE job_id = ?"),
      insert: this.db.prepare("INSERT INTO job_logs (job_id, offset, stream, timestamp, message) VALUES (?, ?, ?, ?, ?)"),
      read: this.db.prepare<[string, number, number], LineRow>("SELECT offset, stream, timestamp, message FROM job_logs WHERE job_id = ? AND offset >= ? ORDER BY offset LIMIT ?"),
    };
    const transaction = this.db.transaction((jobId: string, entries: readonly LogEntry[]) => {
      const first = this.statements.size.get(jobId)!.size;
      return entries.map((entry, index) => {
        this.statements.insert.run(jobId, first + index, entry.stream, entry.timestamp, entry.message);
        return { ...entry, offset: first + index };
      });
    });
    this.appendChunk = (jobId, entries) => transaction.immediate(jobId, entries);
  }

  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const written: LogLine[] = [];
      for (let start = 0; start < entries.length; start += CHUNK) {
        if (start > 0) yield* Effect.yieldNow;
        const chunk = entries.slice(start, start + CHUNK);
        written.push(...(yield* self.call(() => self.appendChunk(jobId, chunk))));
      }
      return written;
    });
  }

  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const lines: LogLine[] = [];
      let next = Math.max(0, Math.floor(fromOffset));
      const wanted = Math.max(0, Math.floor(limit));
      while (lines.length < wanted) {
        if (lines.length > 0) yield* Effect.yieldNow;
        const ask = Math.min(CHUNK * 4, wanted - lines.length);
        const rows = yield* self.call(() => self.statements.read.all(jobId, next, ask).map((found) => self.parseLine(jobId, found)));
        lines.push(...rows);
        if (rows.length < ask) break;
        next = rows.at(-1)!.offset + 1;
      }
      if (lines.length > 0) return { lines, nextOffset: lines.at(-1)!.offset + 1 };
      // Past the end: the end, as the other stores answer.
      const size = yield* self.size(jobId);
      return { lines, nextOffset: Math.min(Math.max(0, fromOffset), size) };
    });
  }

  size(jobId: string): Effect.Effect<number, StorageFailure> {
    return this.call(() => this.statements.size.get(jobId)!.size);
  }

  /**
   * A job's whole log as another store kept it (`parallax migrate-jobs`), in one transaction,
   * unless this store already has lines for it: answers how many lines were written.
   */
  importLog(jobId: string, lines: readonly LogLine[]): Effect.Effect<number, StorageFailure> {
    return this.call(() =>
      this.db
        .transaction(() => {
          if (this.statements.size.get(jobId)!.size > 0) return 0;
          for (const line of lines) this.statements.insert.run(jobId, line.offset, line.stream, line.timestamp, line.message);
          return lines.length;
        })
        .immediate(),
    );
  }

  close(): void {
    this.db.close();
  }

  private parseLine(jobId: string, found: LineRow): LogLine {
    const parsed = storedLogLineSchema.safeParse([found.stream, found.timestamp, found.message]);
    if (!parsed.success) throw new StorageFailure({ message: `Log store: line ${found.offset} of job ${jobId} in ${this.file} is not a valid stored line` });
    const [stream, timestamp, message] = parsed.data;
    return { stream, timestamp, message, offset: found.offset };
  }

  private call<A>(body: () => A): Effect.Effect<A, StorageFailure> {
    return Effect.try({
      try: body,
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `SQLite log store ${this.file}: ${(cause as Error).message}`, cause })),
    });
  }
}
