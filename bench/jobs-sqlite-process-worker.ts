/**
 * A worker process of `jobs-sqlite-processes.ts`: one `JobWorker` (in-process no-op runner,
 * concurrency 8) on the SQLite file it is given, as `parallax worker` wires one; it starts
 * claiming on "go" on stdin, stops on "stop", then prints its CPU time and exits.
 */
import { Effect, Stream } from "effect";
import { pipelinesFileSchema } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, JobWorker, PipelineCatalog, type ProcessRunner } from "@parallax/application/jobs";
import { SystemClock, TimeOrderedIdGenerator } from "@parallax/adapters";
import { FileWorkspace, SqliteJobStore, SqliteLogStore } from "@parallax/adapters/jobs";

const [file, dir] = process.argv.slice(2) as [string, string];
const noopRunner: ProcessRunner = { run: () => Effect.succeed({ lines: Stream.empty, exit: Effect.succeed({ exitCode: 0, signal: null }) }), stopOrphans: () => Effect.succeed(0) };
const store = new SqliteJobStore(file);
const logs = new SqliteLogStore(file, { connection: store.db });
const clock = new SystemClock();
const ids = new TimeOrderedIdGenerator();
const catalog = new PipelineCatalog(pipelinesFileSchema.parse({ pipelines: [{ name: "noop", command: ["true"] }] }));
const service = new PipelineJobs(store, logs, catalog, new FileWorkspace(dir), clock, ids, Effect.runSync(JobChanges.make));
const worker = new JobWorker(
  { store, logs, runner: noopRunner, clock, ids, service },
  { workerId: `bench-${process.pid}`, concurrency: 8, leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 5, cancelPollMs: 1_000, random: Math.random, maxBufferedLines: 1000 },
);
let cpuBefore: NodeJS.CpuUsage | undefined;
process.stdin.setEncoding("utf8");
process.stdin.on("data", async (command: string) => {
  if (command.includes("go") && cpuBefore === undefined) {
    cpuBefore = process.cpuUsage();
    worker.start();
  }
  if (command.includes("stop")) {
    await worker.stop(1000);
    const cpu = process.cpuUsage(cpuBefore);
    store.close();
    process.stdout.write(`${JSON.stringify({ cpu_us: cpu.user + cpu.system })}\n`, () => process.exit(0));
  }
});
process.stdout.write("ready\n");
