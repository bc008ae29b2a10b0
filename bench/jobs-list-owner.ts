/**
 * `npm run bench -- jobs --only list_owner`: a non-administrator's job listing on a SQLite store
 * holding many other users' jobs (part of `jobs.bench.ts`). The previous path (every job read
 * from the store, then filtered by `mayAccess` and cut to the limit) against `PipelineJobs.list`
 * (the store asked for the viewer's jobs: `JobQuery.owner`, the owner index), in the same run,
 * alternating, each on a fresh connection (no document parsed before) and again on a warm one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { mayAccess, type Viewer } from "@parallax/domain";
import { createJob, pipelinesFileSchema, type Job } from "@parallax/domain/jobs";
import { JobChanges, PipelineCatalog, PipelineJobs, type JobQuery, type JobStore } from "@parallax/application/jobs";
import { SystemClock } from "@parallax/adapters";
import { FileWorkspace, MemoryLogStore, SqliteJobStore } from "@parallax/adapters/jobs";
import { collectGarbage, emit, loadAverages, percentile, round } from "./support.js";

const catalog = new PipelineCatalog(pipelinesFileSchema.parse({ pipelines: [{ name: "noop", command: ["true"] }] }));

/** `PipelineJobs.list` for a non-administrator before `JobQuery.owner`: every job read, filtered here. */
const previousList = (store: JobStore, query: JobQuery, viewer: Viewer): Effect.Effect<Job[], unknown> => {
  const { limit, ...unlimited } = query;
  return store.list(unlimited).pipe(Effect.map((jobs) => jobs.filter((job) => mayAccess(job.owner, viewer)).slice(0, limit)));
};

/**
 * `mine` jobs of "viewer" spread among `others` of 50 other users (one every `others / mine`),
 * a third of the others' ownerless (LOCAL_USER_ID's), one a second up to `now`: the data of both
 * owner-listing benchmarks.
 */
export function viewerAmongOthers(others: number, mine: number, now: number): Job[] {
  return Array.from({ length: others + mine }, (_, i) => {
    const owner = i % Math.floor((others + mine) / mine) === 0 ? "viewer" : i % 3 === 0 ? undefined : `user-${i % 50}`;
    return createJob({ id: `j${String(i).padStart(6, "0")}`, pipeline: "noop", command: ["true"], params: { i: String(i) }, ...(owner === undefined ? {} : { owner }) }, now - (others + mine - i) * 1000);
  });
}

export async function listOwner(others = 20_000, mine = 20, samples = 7): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-list-owner-"));
  try {
    const file = join(dir, "jobs.sqlite");
    const viewer: Viewer = { userId: "viewer" };
    const now = Date.now();
    const jobs = viewerAmongOthers(others, mine, now);
    const seed = new SqliteJobStore(file);
    await Effect.runPromise(seed.importAll(jobs, [], { key: "bench", value: "list_owner" }));
    seed.close();
    const serviceOn = (store: SqliteJobStore) => new PipelineJobs(store, new MemoryLogStore(), catalog, new FileWorkspace(dir), new SystemClock(), { next: () => "unused" }, Effect.runSync(JobChanges.make));
    const query = { limit: mine };
    const paths = {
      previous: (store: SqliteJobStore) => previousList(store, query, viewer),
      owner_query: (store: SqliteJobStore) => serviceOn(store).list(query, viewer),
    };
    const timings: Record<string, { cold: number[]; warm: number[]; ids: string }> = { previous: { cold: [], warm: [], ids: "" }, owner_query: { cold: [], warm: [], ids: "" } };
    const timed = async (list: Effect.Effect<Job[], unknown>) => {
      collectGarbage();
      const started = performance.now();
      const found = await Effect.runPromise(list as Effect.Effect<Job[]>);
      return { ms: performance.now() - started, ids: found.map((job) => job.id).join(",") };
    };
    for (let sample = 0; sample < samples; sample++) {
      const order = sample % 2 === 0 ? (["previous", "owner_query"] as const) : (["owner_query", "previous"] as const);
      for (const path of order) {
        const store = new SqliteJobStore(file);
        const cold = await timed(paths[path](store));
        const warm = await timed(paths[path](store));
        store.close();
        timings[path]!.cold.push(cold.ms);
        timings[path]!.warm.push(warm.ms);
        timings[path]!.ids = cold.ids;
      }
    }
    if (timings["previous"]!.ids !== timings["owner_query"]!.ids) throw new Error("the two paths listed different jobs");
    const summary = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50_ms: round(percentile(sorted, 50), 2), min_ms: round(sorted[0]!, 2), max_ms: round(sorted.at(-1)!, 2) };
    };
    const median = (path: string, kind: "cold" | "warm") => percentile([...timings[path]![kind]].sort((a, b) => a - b), 50);
    emit("jobs.list_owner.sqlite", {
      store: "sqlite",
      jobs_of_others: others,
      jobs_of_viewer: mine,
      limit: mine,
      samples,
      listed: timings["owner_query"]!.ids.split(",").length,
      previous: { cold: summary(timings["previous"]!.cold), warm: summary(timings["previous"]!.warm) },
      owner_query: { cold: summary(timings["owner_query"]!.cold), warm: summary(timings["owner_query"]!.warm) },
      speedup_cold: round(median("previous", "cold") / median("owner_query", "cold"), 1),
      speedup_warm: round(median("previous", "warm") / median("owner_query", "warm"), 1),
      loadavg_1_5_15: loadAverages(),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
