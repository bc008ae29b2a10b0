/**
 * What the jobs benchmarks share: a runner whose processes end at once with exit 0 (the
 * queue's own cost, no process), the catalog of its one pipeline `noop`, and a SQLite job
 * service wired as JOBS_STORE=sqlite wires a process (jobs and logs on one connection, the
 * apps' ids).
 */
import { Effect, Stream } from "effect";
import { pipelinesFileSchema } from "@parallax/domain/jobs";
import { JobChanges, PipelineCatalog, PipelineJobs, type ProcessRunner } from "@parallax/application/jobs";
import { SystemClock, TimeOrderedIdGenerator } from "@parallax/adapters";
import { FileWorkspace, SqliteJobStore, SqliteLogStore } from "@parallax/adapters/jobs";

export const noopRunner: ProcessRunner = { run: () => Effect.succeed({ lines: Stream.empty, exit: Effect.succeed({ exitCode: 0, signal: null }) }), stopOrphans: () => Effect.succeed(0) };

export const noopCatalog = new PipelineCatalog(pipelinesFileSchema.parse({ pipelines: [{ name: "noop", command: ["true"] }] }));

/** One process's SQLite job store, its log store on the same connection, and the service submitting to them. */
export function sqliteJobs(file: string, dir: string): { store: SqliteJobStore; logs: SqliteLogStore; service: PipelineJobs; clock: SystemClock; ids: TimeOrderedIdGenerator } {
  const store = new SqliteJobStore(file);
  const logs = new SqliteLogStore(file, { connection: store.db });
  const clock = new SystemClock();
  const ids = new TimeOrderedIdGenerator();
  return { store, logs, clock, ids, service: new PipelineJobs(store, logs, noopCatalog, new FileWorkspace(dir), clock, ids, Effect.runSync(JobChanges.make)) };
}
