/**
 * A worker process of `jobs-sqlite-processes.ts`: one `JobWorker` (in-process no-op runner,
 * concurrency 8) on the SQLite file it is given, as `parallax worker` wires one; it starts
 * claiming on "go" on stdin, stops on "stop", then prints its CPU time and exits.
 */
import { JobWorker } from "@parallax/application/jobs";
import { noopRunner, sqliteJobs } from "./jobs-fixtures.js";

const [file, dir] = process.argv.slice(2) as [string, string];
const { store, logs, service, clock, ids } = sqliteJobs(file, dir);
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
