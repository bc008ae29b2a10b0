import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Fiber, Stream } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { pipelinesFileSchema, type Job } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, JobWorker, PipelineCatalog, type LogEntry, type LogStore } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { ChildProcessRunner, groupAlive } from "./child-process.runner.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

const dir = mkdtempSync(join(tmpdir(), "parallax-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const marker = `parallax-cancel-${process.pid}`;

const catalog = new PipelineCatalog(
  pipelinesFileSchema.parse({
    pipelines: [
      { name: "forever", command: ["sh", "-c", "sleep 100 & sleep 100", marker] },
      { name: "flood", command: ["seq", "1", "200000"] },
    ],
  }),
);

function setup(leaseMs = 2000, logs: LogStore = new MemoryLogStore(), maxBufferedLines = 1000) {
  const store = new MemoryJobStore();
  let counter = 0;
  const ids = { next: () => `job-${++counter}` };
  const clock = new SystemClock();
  const service = new PipelineJobs(store, logs, catalog, new FileWorkspace(dir), clock, ids, new JobChanges());
  const worker = new JobWorker(
    { store, logs, runner: new ChildProcessRunner({ killGraceMs: 1000 }), clock, ids, service },
    { workerId: "w-test", concurrency: 2, leaseMs, heartbeatMs: 500, pollMs: 20, cancelPollMs: 100, random: () => 0.5, maxBufferedLines },
  );
  const waitFor = async (id: string, predicate: (job: Job) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await Effect.runPromise(store.get(id));
      if (predicate(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} stuck as ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { store, logs, service, worker, waitFor, clock, start: () => worker.start() };
}

/** A started worker running `forever`, and the process group of its run. */
async function runningForever() {
  const { service, worker, waitFor, start } = setup();
  start();
  const job = await Effect.runPromise(service.submit("forever"));
  await waitFor(job.id, (j) => j.status === "running");
  return { service, worker, waitFor, job, pgid: await findGroup(marker) };
}

/** The worker with real process groups: what cancel and stop leave behind (nothing). Timing is job-worker.test.ts's. */
describe("JobWorker with real processes", () => {
  it("cancelling `sh -c 'sleep 100 & sleep 100'` ends it cancelled with its whole group gone", async () => {
    const { service, worker, waitFor, job, pgid } = await runningForever();
    expect(groupAlive(pgid)).toBe(true);
    await Effect.runPromise(service.cancel(job.id));
    const done = await waitFor(job.id, (j) => j.status === "cancelled");
    expect(done.error).toBe("Cancelled");
    expect(groupAlive(pgid)).toBe(false);
    await worker.stop(1000);
  });

  it("a stopping worker releases its running job to the queue without spending the attempt", async () => {
    const { worker, waitFor, job, pgid } = await runningForever();
    await worker.stop(50);
    const released = await waitFor(job.id, (j) => j.status === "pending");
    expect(released.attempt).toBe(0);
    expect(released.history.at(-1)).toMatchObject({ kind: "released", reason: "worker w-test stopped" });
    expect(groupAlive(pgid)).toBe(false);
  });

  it("a process writing faster than its log store is read no faster than the store takes its lines: none dropped, memory bounded", async () => {
    const memory = new MemoryLogStore();
    const batches: number[] = [];
    // A log store that takes 2 ms an append: seq writes 200,000 lines far faster.
    const slow: LogStore = {
      append: (jobId: string, entries: readonly LogEntry[]) => {
        batches.push(entries.length);
        return Effect.andThen(Effect.sleep(2), memory.append(jobId, entries));
      },
      read: (jobId, from, limit) => memory.read(jobId, from, limit),
      size: (jobId) => memory.size(jobId),
    };
    const { service, worker, waitFor, start } = setup(2000, slow, 500);
    start();
    const job = await Effect.runPromise(service.submit("flood"));
    await waitFor(job.id, (j) => j.status === "completed", 60_000);
    await worker.stop(1000);
    const page = await Effect.runPromise(memory.read(job.id, 0, 300_000));
    const printed = page.lines.filter((line) => line.stream === "stdout").map((line) => line.message);
    expect(printed).toHaveLength(200_000);
    expect(printed.every((message, index) => message === String(index + 1))).toBe(true);
    expect(page.lines.some((line) => line.message.includes("dropped"))).toBe(false);
    // At most the 500 waiting lines and one chunk read from the pipe (64 KiB: at most 32,768 lines) per append, not all 200,000.
    expect(Math.max(...batches)).toBeLessThanOrEqual(500 + 65_536 / 2);
    expect(batches.length).toBeGreaterThan(10);
  }, 90_000);
});

describe("a lost run's processes", () => {
  it("are found by the run's lease token and stopped, their whole group", async () => {
    const ghostMarker = `parallax-ghost-${process.pid}`;
    const runner = new ChildProcessRunner({ killGraceMs: 500 });
    const ghostRun = Effect.runFork(
      Effect.scoped(Effect.flatMap(runner.run({ command: ["sh", "-c", "sleep 100 & sleep 100", ghostMarker], cwd: dir, env: { PARALLAX_LEASE_TOKEN: "ghost-token" } }), (ghost) => Stream.runDrain(ghost.lines))),
    );
    const ghostGroup = await findGroup(ghostMarker);
    expect(await Effect.runPromise(runner.stopOrphans("other-token"))).toBe(0);
    expect(await Effect.runPromise(runner.stopOrphans("ghost-token"))).toBe(1);
    expect(groupAlive(ghostGroup)).toBe(false);
    await Effect.runPromise(Fiber.interrupt(ghostRun));
  });
});

/** The process group of the `sh` whose $0 is `name` (it leads its own group). */
async function findGroup(name: string): Promise<number> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const table = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" });
    const row = table.split("\n").find((line) => line.includes(`sh -c sleep 100 & sleep 100 ${name}`) && !line.includes("ps -eo"));
    if (row) return Number(row.trim().split(/\s+/)[1]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("process not found");
}
