import type Database from "better-sqlite3";
import * as Effect from "effect/Effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, storedExclusiveClaimSchema, storedJobSchema, unclaimed, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import { ownerOfJob, type JobQuery, type JobStore, type QueueDepth } from "@parallax/application/jobs";
import { groupCommitOf, readWaitingIfBusy, whileBlocking, type GroupCommit } from "./sqlite-group-commit.js";
import { openJobStoreDatabase, type SqliteJobStoreOptions } from "./sqlite-jobs-database.js";
import { ParsedDocuments, readStored } from "./stored-documents.js";

/** Jobs a listing reads per statement (~30 µs each, parsed): the loop is free between pages. */
const LIST_PAGE = 64;

interface JobRow {
  id: string;
  doc: string;
}

/**
 * Jobs and exclusivity claims in one SQLite file in WAL mode, shared by any number of
 * processes on one machine. Every port write is one SQL statement, answered alone, in the
 * transaction of its event-loop turn's writes (`GroupCommit`: one commit for many): `insert` an `INSERT … ON CONFLICT DO NOTHING`, `replace` and `putExclusive`
 * an `UPDATE … WHERE version = :expected` (a compare-and-set the database serialises across
 * processes; zero rows changed is the lost race). A claim is `claimCandidates` (one indexed
 * read) then that one conditional `UPDATE`.
 *
 * better-sqlite3 is synchronous: each call runs on the event loop. With
 * `synchronous=normal` a statement is tens of microseconds (measured: see the README),
 * within the budget for a small transaction on the loop; `full` adds an fsync per write.
 * A turn's batch that meets another process's write lock waits for it on a timer, the event
 * loop free (`GroupCommit`), for at most `busyTimeoutMs`; a batch holds the lock for tens to
 * hundreds of microseconds, so the wait is short.
 *
 * A write puts every page it changed in the WAL, a page for each index whose entry moves: a
 * status change touches only the partial indexes of the statuses it leaves and enters
 * (`jobs_ready` pending, `jobs_leases` running, `jobs_listed` the others), so a no-op job's
 * claim and completion write 4.3 and 3.6 pages (4.6 and 4.8 with an index of every status,
 * counted as frames added to the WAL). Documents read are parsed once per text
 * (`ParsedDocuments`): a candidate the last claim read, or a job this store just wrote, is not
 * parsed again.
 */
export class SqliteJobStore implements JobStore {
  readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteJobStore["prepare"]>;
  private readonly parsed = new ParsedDocuments<Job>(storedJobSchema);
  private readonly group: GroupCommit;

  constructor(
    readonly file: string,
    options: SqliteJobStoreOptions = {},
  ) {
    this.db = openJobStoreDatabase(file, options);
    this.statements = this.prepare();
    this.group = groupCommitOf(this.db);
  }

  private prepare() {
    const db = this.db;
    return {
      // Positional parameters: binding them is cheaper than looking up names in an object.
      insert: db.prepare<[string, number, string, string, number, number, number, number | null, string, string]>(
        `INSERT INTO jobs (id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      update: db.prepare<[number, string, number, number, number | null, string, string, number]>(
        // Only the columns a transition changes: SQLite rewrites the entries of every index on a
        // column named in SET, so naming `created_at` (or `owner`) would churn an index on each write.
        `UPDATE jobs SET version = ?, status = ?, priority = ?, run_at = ?, lease_expires_at = ?, doc = ?
         WHERE id = ? AND version = ?`,
      ),
      get: db.prepare<[string], JobRow>("SELECT id, doc FROM jobs WHERE id = ?"),
      exists: db.prepare<[string], { version: number }>("SELECT version FROM jobs WHERE id = ?"),
      // Reads at most `limit` + 1 entries of the ready index (no new index, so no write pays for
      // a metric read once a minute); past the limit the oldest is among those read, a hint.
      depth: db.prepare<[number, number], { due: number; oldest: number | null }>(
        "SELECT COUNT(*) AS due, MIN(run_at) AS oldest FROM (SELECT run_at FROM jobs INDEXED BY jobs_ready WHERE status = 'pending' AND run_at <= ? LIMIT ?)",
      ),
      getClaim: db.prepare<[string], { pipeline: string; doc: string }>("SELECT pipeline, doc FROM exclusive_claims WHERE pipeline = ?"),
      createClaim: db.prepare("INSERT INTO exclusive_claims (pipeline, version, doc) VALUES (?, ?, ?) ON CONFLICT (pipeline) DO NOTHING"),
      updateClaim: db.prepare("UPDATE exclusive_claims SET version = ?, doc = ? WHERE pipeline = ? AND version = ?"),
    };
  }

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return this.write(jobKey(job.id), () => {
      const doc = JSON.stringify(job);
      if (this.statements.insert.run(job.id, job.version, job.status, job.pipeline, job.createdAt, job.priority, job.runAt, leaseExpiry(job), doc, ownerOfJob(job)).changes !== 1) {
        return Effect.fail(new Conflict({ message: `Job ${job.id} already exists` }));
      }
      this.parsed.remember(job.id, doc, job);
      return Effect.succeed(job);
    });
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.attempt(() => {
      const found = this.statements.get.get(id);
      return found ? Effect.succeed(this.parseJob(found)) : Effect.fail(new NotFound({ message: `Job not found: ${id}` }));
    }, jobKey(id));
  }

  /**
   * Newest first, read in pages of `LIST_PAGE` rows (keyset on created_at, id) with the event
   * loop free between them: an unbounded listing of many jobs does not hold the loop for all of
   * them at once. One owner's (`query.owner`) read their rows of `jobs_owner_created` only.
   */
  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const filters: string[] = [];
      const params: Array<string | number> = [];
      // A status's jobs are in the partial index of that status: running ones in `jobs_leases`
      // (few: sorted by creation here), any other in `jobs_listed` (in creation order).
      let index: string | undefined;
      if (query.status === "running") (filters.push("status = 'running'"), (index = "jobs_leases"));
      else if (query.status !== undefined) {
        filters.push("status = ?", "status <> 'running'");
        params.push(query.status);
        if (query.pipeline === undefined) index = "jobs_listed";
      }
      if (query.pipeline !== undefined) (filters.push("pipeline = ?"), params.push(query.pipeline));
      // One user's jobs: their rows of the owner index, newest first, whatever the status or
      // pipeline asked (filtered among theirs): never every user's. Running ones stay in
      // `jobs_leases` (few in all).
      if (query.owner !== undefined) {
        filters.push("owner = ?");
        params.push(query.owner);
        if (query.status !== "running") index = "jobs_owner_created";
      }
      const limit = query.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(query.limit));
      const after = [...filters, "(created_at < ? OR (created_at = ? AND id < ?))"];
      const jobs: Job[] = [];
      let last: { createdAt: number; id: string } | undefined;
      while (jobs.length < limit) {
        if (last) yield* Effect.yieldNow;
        const page = Math.min(LIST_PAGE, limit - jobs.length);
        const cursor = last;
        const rows = yield* self.call(() => {
          const read = self.listStatement(cursor ? after : filters, index, page);
          const args = cursor ? [...params, cursor.createdAt, cursor.createdAt, cursor.id] : params;
          return (page === LIST_PAGE ? read.all(...args) : read.all(...args, page)).map((found) => self.parseJob(found));
        });
        jobs.push(...rows);
        if (rows.length < page) break;
        last = { createdAt: rows.at(-1)!.createdAt, id: rows.at(-1)!.id };
      }
      return jobs;
    });
  }

  private readonly listStatements = new Map<string, Database.Statement<Array<string | number>, JobRow>>();
  /** A full page's size is in the SQL text (see `claimReads`); a shorter one is a parameter. */
  private listStatement(filters: readonly string[], index: string | undefined, page: number): Database.Statement<Array<string | number>, JobRow> {
    const where = filters.length ? ` WHERE ${filters.join(" AND ")}` : "";
    const sql = `SELECT id, doc FROM jobs${index ? ` INDEXED BY ${index}` : ""}${where} ORDER BY created_at DESC, id DESC LIMIT ${page === LIST_PAGE ? LIST_PAGE : "?"}`;
    let statement = this.listStatements.get(sql);
    if (!statement) this.listStatements.set(sql, (statement = this.db.prepare<Array<string | number>, JobRow>(sql)));
    return statement;
  }

  private readonly claimStatements = new Map<number, Array<(now: number) => JobRow[]>>();
  /**
   * The two reads of a claim (running jobs whose lease expired, due pending jobs), `count` rows
   * each. The planner, without statistics, prefers (status, created_at) and sorts: the queue's
   * partial indexes are named so a claim reads the few rows it returns, in order. The count is
   * in the SQL text, statements per count: SQLite compiles a statement whose `LIMIT` is a
   * parameter again each time one is bound (~10 µs, half of such a read).
   */
  private claimReads(count: number): Array<(now: number) => JobRow[]> {
    let reads = this.claimStatements.get(count);
    if (!reads) {
      // Not an integer: a parameter, which SQLite refuses ("datatype mismatch") as it always did.
      const literal = Number.isSafeInteger(count);
      reads = [
        "SELECT id, doc FROM jobs INDEXED BY jobs_leases WHERE status = 'running' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?",
        "SELECT id, doc FROM jobs INDEXED BY jobs_ready WHERE status = 'pending' AND run_at <= ? ORDER BY priority DESC, run_at, created_at, id LIMIT ?",
      ].map((sql) => {
        const read = this.db.prepare<number[], JobRow>(literal ? sql.replace("LIMIT ?", `LIMIT ${count}`) : sql);
        return literal ? (now: number) => read.all(now) : (now: number) => read.all(now, count);
      });
      if (literal && this.claimStatements.size < 16) this.claimStatements.set(count, reads);
    }
    return reads;
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    return this.call(() => {
      const count = Math.max(limit, 1);
      const rows = this.claimReads(count).flatMap((read) => read(now));
      return rows
        .map((found) => this.parseJob(found))
        .sort(compareQueueOrder)
        .slice(0, count);
    });
  }

  queueDepth(now: number, limit: number): Effect.Effect<QueueDepth, StorageFailure> {
    return this.call(() => {
      const { due, oldest } = this.statements.depth.get(now, limit + 1) ?? { due: 0, oldest: null };
      return { due: Math.min(due, limit), oldestDueAt: oldest, truncated: due > limit };
    });
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    return this.write(jobKey(next.id), () => {
      const refused = () => {
        const current = this.statements.exists.get(next.id);
        return Effect.fail(
          current
            ? new VersionConflict({ message: `Job ${next.id} changed (version ${current.version}, expected ${expectedVersion})`, jobId: next.id })
            : new NotFound({ message: `Job not found: ${next.id}` }),
        );
      };
      if (next.version !== expectedVersion + 1) return refused();
      const doc = JSON.stringify(next);
      if (this.statements.update.run(next.version, next.status, next.priority, next.runAt, leaseExpiry(next), doc, next.id, expectedVersion).changes !== 1) return refused();
      this.parsed.remember(next.id, doc, next);
      return Effect.succeed(next);
    });
  }

  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure> {
    return this.call(() => {
      const found = this.statements.getClaim.get(pipeline);
      return found ? readStored(storedExclusiveClaimSchema, found.doc, `exclusive claim ${pipeline} in ${this.file}`) : unclaimed(pipeline);
    }, claimKey(pipeline));
  }

  putExclusive(next: ExclusiveClaim, expectedVersion: number): Effect.Effect<ExclusiveClaim, VersionConflict | StorageFailure> {
    return this.write(claimKey(next.pipeline), () => {
      const conflict = Effect.fail(new VersionConflict({ message: `Exclusive claim of ${next.pipeline} changed`, jobId: next.holder ?? "" }));
      if (next.version !== expectedVersion + 1) return conflict;
      const doc = JSON.stringify(next);
      const written =
        expectedVersion === 0
          ? this.statements.createClaim.run(next.pipeline, next.version, doc).changes
          : this.statements.updateClaim.run(next.version, doc, next.pipeline, expectedVersion).changes;
      return written === 1 ? Effect.succeed(next) : conflict;
    });
  }

  /**
   * Writes jobs and claims as they are (their versions kept) in one transaction, skipping
   * any already stored: the import of another store's data (`parallax migrate-jobs`).
   * Records `marker` in the file's metadata in the same transaction.
   */
  importAll(jobs: readonly Job[], claims: readonly ExclusiveClaim[], marker: { key: string; value: string }): Effect.Effect<{ jobs: number; claims: number }, StorageFailure> {
    return this.call(() =>
      whileBlocking(this.db, () =>
        this.db
          .transaction(() => {
            let jobCount = 0;
            let claimCount = 0;
            for (const job of jobs) {
              jobCount += this.statements.insert.run(job.id, job.version, job.status, job.pipeline, job.createdAt, job.priority, job.runAt, leaseExpiry(job), JSON.stringify(job), ownerOfJob(job)).changes;
            }
            for (const claim of claims) if (claim.version > 0) claimCount += this.statements.createClaim.run(claim.pipeline, claim.version, JSON.stringify(claim)).changes;
            this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(marker.key, marker.value);
            return { jobs: jobCount, claims: claimCount };
          })
          .immediate(),
      ),
    );
  }

  /** A value of the file's metadata (e.g. whether file-store data was imported). */
  meta(key: string): string | undefined {
    this.group.flush();
    return readWaitingIfBusy(this.db, () => this.db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value);
  }

  close(): void {
    this.group.flush(true);
    this.db.close();
  }

  private parseJob(found: JobRow): Job {
    return this.parsed.read(found.id, found.doc, () => `job ${found.id} in ${this.file}`);
  }

  /** `body`'s answer, or a StorageFailure for what it threw. */
  private call<A>(body: () => A, key?: string): Effect.Effect<A, StorageFailure> {
    return this.attempt(() => Effect.succeed(body()), key);
  }

  /**
   * `body`'s effect, or a StorageFailure for what it threw (one `suspend`: the calls on a job's
   * path are many). The writes pending in this turn commit first (those of `key` only, when
   * the read is of that one row): a read sees them.
   */
  private attempt<A, E>(body: () => Effect.Effect<A, E>, key?: string): Effect.Effect<A, E | StorageFailure> {
    return Effect.suspend((): Effect.Effect<A, E | StorageFailure> => {
      try {
        if (key === undefined) this.group.flush();
        else this.group.flushFor(key);
        return readWaitingIfBusy(this.db, body);
      } catch (cause) {
        return Effect.fail(this.failure(cause));
      }
    });
  }

  /** `body` in the turn's transaction (`GroupCommit`), answered once it committed. */
  private write<A, E>(key: string, body: () => Effect.Effect<A, E>): Effect.Effect<A, E | StorageFailure> {
    return this.group.write(key, body, this.failure);
  }

  private readonly failure = (cause: unknown): StorageFailure =>
    cause instanceof StorageFailure ? cause : new StorageFailure({ message: `SQLite job store ${this.file}: ${(cause as Error).message}`, cause });
}

/** What a write of a job or claim writes, for `GroupCommit.flushFor` (the log store's keys are `log:`). */
const jobKey = (id: string) => `job:${id}`;
const claimKey = (pipeline: string) => `claim:${pipeline}`;

/** The `lease_expires_at` column: when a running job's lease ends (`jobs_leases`). */
function leaseExpiry(job: Job): number | null {
  return job.status === "running" && job.lease ? job.lease.expiresAt : null;
}
