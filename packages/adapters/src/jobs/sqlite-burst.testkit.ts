import { Effect } from "effect";
import { JobChanges, PipelineJobs } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { exclusiveCatalog } from "./exclusive-race.testkit.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import type { SqliteSynchronous } from "./sqlite-jobs-database.js";

/**
 * As a process of the kill -9 test: `<sqlite file> <count> <synchronous>`. Submits `count`
 * jobs of `verify`, 16 in flight, and prints each job's id on its own line once its submit
 * answered (acknowledged: what a client would have been told), then waits to be killed.
 */
async function main([file, count, synchronous]: string[]): Promise<void> {
  let next = 0;
  const store = new SqliteJobStore(file!, { synchronous: synchronous as SqliteSynchronous });
  const service = new PipelineJobs(store, new MemoryLogStore(), exclusiveCatalog, new FileWorkspace("."), new SystemClock(), { next: () => `burst-${++next}` }, new JobChanges());
  process.stdout.write("ready\n");
  let submitted = 0;
  const lane = async () => {
    while (submitted < Number(count)) {
      submitted++;
      const job = await Effect.runPromise(service.submit("verify"));
      process.stdout.write(`${job.id}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  process.stdout.write("done\n");
  setInterval(() => {}, 60_000);
}

if (process.argv[1]?.endsWith("sqlite-burst.testkit.ts")) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  });
}
