import { existsSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { pipelinesFileSchema } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, PipelineCatalog, type JobStore } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { FileJobStore } from "./file-job.store.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";

export type RaceStoreKind = "file" | "sqlite";
/** The store of `<data dir>/jobs` each racing process opens: the file store or the SQLite one. */
export function raceStore(kind: RaceStoreKind, dir: string): JobStore {
  return kind === "sqlite" ? new SqliteJobStore(join(dir, "jobs", "jobs.sqlite")) : new FileJobStore(join(dir, "jobs"));
}

/** One exclusive pipeline, as the exclusivity tests and their racing processes see it. */
export const exclusiveCatalog = new PipelineCatalog(
  pipelinesFileSchema.parse({ pipelines: [{ name: "train", command: ["true"], exclusive: true }, { name: "verify", command: ["true"] }] }),
);

/**
 * A store whose every call first waits a random 0-2 ms (seeded), so concurrent submissions
 * in one process interleave between their reads and writes as they would across processes.
 */
export function interleaving(store: JobStore, seed: number): JobStore {
  let state = seed >>> 0;
  const pause = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Effect.sleep(state % 3);
  };
  return {
    insert: (job) => Effect.andThen(pause(), store.insert(job)),
    get: (id) => Effect.andThen(pause(), store.get(id)),
    list: (query) => Effect.andThen(pause(), store.list(query)),
    claimCandidates: (now, limit) => Effect.andThen(pause(), store.claimCandidates(now, limit)),
    queueDepth: (now, limit) => Effect.andThen(pause(), store.queueDepth(now, limit)),
    replace: (next, expected) => Effect.andThen(pause(), store.replace(next, expected)),
    getExclusive: (pipeline) => Effect.andThen(pause(), store.getExclusive(pipeline)),
    putExclusive: (next, expected) => Effect.andThen(pause(), store.putExclusive(next, expected)),
  };
}

export type SubmitOutcome = { accepted: string } | { refused: string; holder?: string };

/** Submits `count` jobs of `train` at once through `service`. */
export function submitMany(service: PipelineJobs, count: number): Promise<SubmitOutcome[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      Effect.runPromise(
        service.submit("train").pipe(
          Effect.map((job): SubmitOutcome => ({ accepted: job.id })),
          Effect.catchTag("Conflict", (conflict) => Effect.succeed<SubmitOutcome>({ refused: conflict.message, holder: (conflict.details as { job_id?: string } | undefined)?.job_id })),
        ),
      ),
    ),
  );
}

/**
 * As a process of the cross-process race: `<data dir> <tag> <count> [file|sqlite]`. Prints "ready", waits
 * for `<data dir>/go`, submits, prints the outcomes as one JSON line.
 */
async function main([dir, tag, count, kind]: string[]): Promise<void> {
  let next = 0;
  const store = interleaving(raceStore(kind === "sqlite" ? "sqlite" : "file", dir!), [...tag!].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7));
  const service = new PipelineJobs(store, new MemoryLogStore(), exclusiveCatalog, new FileWorkspace(dir!), new SystemClock(), { next: () => `${tag}-${++next}` }, new JobChanges());
  process.stdout.write("ready\n");
  const deadline = Date.now() + 30_000;
  while (!existsSync(join(dir!, "go"))) {
    if (Date.now() > deadline) throw new Error("no go signal");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  process.stdout.write(`${JSON.stringify(await submitMany(service, Number(count)))}\n`);
}

if (process.argv[1]?.endsWith("exclusive-race.testkit.ts")) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  });
}
