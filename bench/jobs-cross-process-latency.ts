/**
 * `jobs.latency.file.cross_process`: submit → start when the worker is another process (a
 * `parallax worker` on the file store) polling every `pollMs`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { JobChanges, PipelineJobs } from "@parallax/application/jobs";
import { SystemClock, TimeOrderedIdGenerator } from "@parallax/adapters";
import { FileJobStore, FileLogStore, FileWorkspace } from "@parallax/adapters/jobs";
import { noopCatalog } from "./jobs-fixtures.js";
import { emit, percentile } from "./support.js";

export async function crossProcessLatency(samples: number, pollMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-xlatency-"));
  const worker = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", "worker", "--concurrency", "4", "--poll-ms", String(pollMs)],
    { env: { ...process.env, DATA_DIR: dir, JOBS_STORE: "file", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    await new Promise<void>((resolve) => {
      let output = "";
      worker.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"worker ready"')) resolve();
      });
    });
    const store = new FileJobStore(join(dir, "jobs"));
    const service = new PipelineJobs(store, new FileLogStore(join(dir, "jobs", "logs")), noopCatalog, new FileWorkspace(dir), new SystemClock(), new TimeOrderedIdGenerator(), Effect.runSync(JobChanges.make));
    const submitted: string[] = [];
    for (let i = 0; i < samples; i++) {
      submitted.push((await Effect.runPromise(service.submit("noop"))).id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const delays: number[] = [];
    for (const id of submitted) {
      let job = await Effect.runPromise(store.get(id));
      const deadline = Date.now() + 30_000;
      while (job.runs === 0) {
        if (Date.now() > deadline) throw new Error(`job ${id} never started`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        job = await Effect.runPromise(store.get(id));
      }
      delays.push(job.history.find((event) => event.kind === "started")!.at - job.createdAt);
    }
    delays.sort((a, b) => a - b);
    emit("jobs.latency.file.cross_process", { store: "file", samples, worker_poll_ms: pollMs, submit_to_start_p50_ms: percentile(delays, 50), submit_to_start_p99_ms: percentile(delays, 99) });
  } finally {
    worker.kill("SIGTERM");
    await new Promise((resolve) => worker.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
