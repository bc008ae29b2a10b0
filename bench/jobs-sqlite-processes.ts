/**
 * `jobs.throughput.sqlite.processes`: no-op jobs/s with 1, 2 and 4 worker *processes* on one
 * SQLite file (`jobs-sqlite-process-worker.ts` each, one connection each, as several
 * `parallax worker` processes on one machine share `DATA_DIR`), the jobs submitted beforehand by
 * this process. Timed from "go" until this process reads an empty queue with nothing running
 * (polled every 5 ms); CPU is the workers' own. Every child is killed on the way out, whatever
 * happened.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { sqliteJobs } from "./jobs-fixtures.js";
import { emit, loadAverages, round } from "./support.js";

const WORKER = join(import.meta.dirname, "jobs-sqlite-process-worker.ts");

function lines(child: ChildProcess): { next: () => Promise<string> } {
  let buffered = "";
  let waiting: (() => void) | undefined;
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    waiting?.();
  });
  return {
    next: async () => {
      while (!buffered.includes("\n")) {
        if (child.exitCode !== null) throw new Error(`worker process exited with ${child.exitCode}`);
        await new Promise<void>((resolve) => (waiting = resolve));
      }
      const at = buffered.indexOf("\n");
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      return line;
    },
  };
}

async function throughputWithProcesses(processes: number, jobs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-processes-"));
  const file = join(dir, "jobs.sqlite");
  const { store, service } = sqliteJobs(file, dir);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < jobs; i++) await Effect.runPromise(service.submit("noop"));
    for (let i = 0; i < processes; i++) {
      children.push(spawn(process.execPath, ["--conditions=source", "--import", "tsx", WORKER, file, dir], { stdio: ["pipe", "pipe", "inherit"] }));
    }
    const outputs = children.map(lines);
    for (const output of outputs) if ((await output.next()) !== "ready") throw new Error("worker process not ready");
    const started = performance.now();
    for (const child of children) child.stdin!.write("go\n");
    const idle = async () =>
      (await Effect.runPromise(store.queueDepth(Date.now() + 60_000, 1))).due === 0 && (await Effect.runPromise(store.list({ status: "running", limit: 1 }))).length === 0;
    while (!(await idle())) await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = (performance.now() - started) / 1000;
    for (const child of children) child.stdin!.write("stop\n");
    const cpuUs = (await Promise.all(outputs.map(async (output) => (JSON.parse(await output.next()) as { cpu_us: number }).cpu_us))).reduce((a, b) => a + b, 0);
    const completed = (await Effect.runPromise(store.list({ status: "completed" }))).length;
    emit("jobs.throughput.sqlite.processes", {
      store: "sqlite",
      processes,
      workers_per_process: 1,
      concurrency: 8,
      runner: "in-process no-op",
      jobs,
      completed,
      seconds: round(seconds, 2),
      jobs_per_s: round(jobs / seconds, 0),
      cpu_us_per_job: round(cpuUs / jobs, 1),
      loadavg_1_5_15: loadAverages(),
    });
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sqliteProcesses(jobs: number): Promise<void> {
  for (const processes of [1, 2, 4]) await throughputWithProcesses(processes, jobs);
}
