import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";
import { ConfigError } from "../shared/shared.config.js";
import { FileJobStore } from "./file-job.store.js";
import { FileLogStore } from "./file-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import type { SqliteJobStoreOptions } from "./sqlite-jobs-database.js";
import { SqliteLogStore } from "./sqlite-log.store.js";

/** The SQLite file under the jobs directory (`<DATA_DIR>/jobs`), beside the file store's folders and the logs. */
export const sqliteJobsFile = (root: string) => join(root, "jobs.sqlite");
/** Metadata key recording that the file store's data under the same directory was imported. */
export const FILE_IMPORT_KEY = "imported_file_store";
/** The command that imports a file store's jobs, named by the refusal below. */
export const MIGRATE_COMMAND = "parallax migrate-jobs";

/** Whether `root` holds jobs of the file store (`items/<id>/` folders). */
export function fileStoreHasJobs(root: string): boolean {
  const items = join(root, "items");
  return existsSync(items) && readdirSync(items).length > 0;
}

/**
 * The SQLite job store of `root`, refusing (a `ConfigError` naming the command that migrates
 * them) while the file store's jobs under the same directory were never imported: starting
 * on an empty queue beside them would silently lose every pending job.
 */
export function openSqliteJobStore(root: string, options: SqliteJobStoreOptions = {}): SqliteJobStore {
  const store = new SqliteJobStore(sqliteJobsFile(root), options);
  if (store.meta(FILE_IMPORT_KEY) === undefined && fileStoreHasJobs(root)) {
    store.close();
    throw new ConfigError(
      `JOBS_STORE=sqlite: ${join(root, "items")} holds jobs of the file store that ${sqliteJobsFile(root)} has not imported. ` +
        `Stop every worker and host on this DATA_DIR, run \`${MIGRATE_COMMAND} --data-dir <DATA_DIR>\` once (in a checkout: \`npx parallax migrate-jobs\`), then start again; ` +
        `or keep JOBS_STORE=file.`,
    );
  }
  return store;
}

export interface FileJobsImport {
  readonly file: string;
  readonly jobs: number;
  readonly claims: number;
  /** Log lines imported from `<root>/logs` (jobs whose log the SQLite file had already are skipped). */
  readonly logLines: number;
  /** Jobs and claims already in the SQLite file (a second run imports nothing again). */
  readonly skipped: number;
}

/**
 * Imports every job (each at its stored version, history and lease as they are), its log
 * (`<root>/logs`, one transaction per job) and every exclusivity claim of the file store under
 * `root` into `root`'s SQLite file; jobs and claims in one last transaction that records the import (`at`: when, epoch ms). Run with every worker stopped; idempotent.
 */
export function migrateFileJobs(root: string, at: number, options: SqliteJobStoreOptions = {}): Effect.Effect<FileJobsImport, StorageFailure> {
  return Effect.gen(function* () {
    const files = new FileJobStore(root, { refreshMs: 0, leaseScanMs: 0 });
    const jobs = yield* files.list();
    const exclusive = join(root, "exclusive");
    const pipelines = existsSync(exclusive) ? readdirSync(exclusive) : [];
    const claims = yield* Effect.forEach(pipelines, (pipeline) => files.getExclusive(pipeline));
    const logs = new SqliteLogStore(sqliteJobsFile(root), options);
    const fileLogs = new FileLogStore(join(root, "logs"));
    // Logs first: once the jobs are recorded as imported, a failure here would go unnoticed.
    const logLines = yield* Effect.forEach(jobs, (job) =>
      Effect.gen(function* () {
        const size = yield* fileLogs.size(job.id);
        const page = yield* fileLogs.read(job.id, 0, size);
        return yield* logs.importLog(job.id, page.lines);
      }),
    ).pipe(
      Effect.map((counts) => counts.reduce((sum, count) => sum + count, 0)),
      Effect.ensuring(Effect.sync(() => logs.close())),
    );
    const store = new SqliteJobStore(sqliteJobsFile(root), options);
    const written = yield* store
      .importAll(jobs, claims, { key: FILE_IMPORT_KEY, value: JSON.stringify({ at: new Date(at).toISOString(), jobs: jobs.length, claims: claims.length }) })
      .pipe(Effect.ensuring(Effect.sync(() => store.close())));
    const claimCount = claims.filter((claim) => claim.version > 0).length;
    return { file: store.file, jobs: written.jobs, claims: written.claims, logLines, skipped: jobs.length - written.jobs + claimCount - written.claims };
  });
}
