import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Fiber, Result, Stream } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { claim, pipelinesFileSchema, type Job } from "@parallax/domain/jobs";
import { JobChanges, JobService, JobWorker, PipelineCatalog } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { ChildProcessRunner, groupAlive } from "./child-process.runner.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

const dir = mkdtempSync(join(tmpdir(), "parallax-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "flaky.sh"), 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n"; [ "$n" -ge 2 ]\n');
const marker = `parallax-cancel-${process.pid}`;

const catalog = new PipelineCatalog(
  pipelinesFileSchema.parse({
    pipelines: [
      { name: "slow", command: ["sleep", "30"], timeout_s: 0.5 },
      { name: "broken", command: ["sh", "-c", "echo failing; exit 3"], max_attempts: 3, backoff_s: { base: 0.2, max: 1 } },
      { name: "flaky", command: ["sh", "flaky.sh"], max_attempts: 3, backoff_s: { base: 0.05, max: 0.05 }, then: ["after"] },
      { name: "after", command: ["echo", "follow-up ran"] },
      { name: "forever", command: ["sh", "-c", "sleep 100 & sleep 100", marker] },
    ],
  }),
);

function setup(leaseMs = 2000) {
  const store = new MemoryJobStore();
  const logs = new MemoryLogStore();
  let counter = 0;
  const ids = { next: () => `job-${++counter}` };
  const clock = new SystemClock();
  const service = new JobService(store, logs, catalog, new FileWorkspace(dir), clock, ids, new JobChanges());
  const worker = new JobWorker(
    { store, logs, runner: new ChildProcessRunner({ killGraceMs: 1000 }), clock, ids, service },
    { workerId: "w-test", concurrency: 2, leaseMs, heartbeatMs: 500, pollMs: 20, cancelPollMs: 100, random: () => 0.5, maxBufferedLines: 1000 },
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

const submit = (service: JobService, name: string) => Effect.runPromise(service.submit(name));

describe("JobWorker", () => {
  it("fails a job that runs past its timeout, recording why, and kills it", async () => {
    const { service, worker, waitFor, start } = setup();
    start();
    const job = await submit(service, "slow");
    const done = await waitFor(job.id, (j) => j.status === "failed");
    expect(done.error).toBe("Timed out after 0.5 s");
    expect(done.history.at(-1)).toMatchObject({ kind: "failed", reason: "Timed out after 0.5 s" });
    await worker.stop(1000);
  });

  it("retries with backoff and fails after max attempts with the reason of each attempt", async () => {
    const { service, worker, waitFor, logs, start } = setup();
    start();
    const job = await submit(service, "broken");
    const done = await waitFor(job.id, (j) => j.status === "failed");
    expect(done).toMatchObject({ status: "failed", attempt: 3, runs: 3, exitCode: 3, error: "Process exited with code 3" });
    const retries = done.history.filter((event) => event.kind === "retry_scheduled");
    expect(retries.map((event) => event.reason)).toEqual(["Process exited with code 3; retry in 150 ms", "Process exited with code 3; retry in 300 ms"]);
    const starts = done.history.filter((event) => event.kind === "started");
    expect(starts[1]!.at - retries[0]!.at).toBeGreaterThanOrEqual(150);
    expect(starts[2]!.at - retries[1]!.at).toBeGreaterThanOrEqual(300);
    const lines = (await Effect.runPromise(logs.read(job.id, 0, 100))).lines.map((line) => line.message);
    expect(lines.filter((line) => line === "failing")).toHaveLength(3);
    await worker.stop(1000);
  });

  it("completes on a later attempt and queues its follow-up pipeline", async () => {
    const { service, worker, waitFor, store, logs, start } = setup();
    start();
    const job = await submit(service, "flaky");
    const done = await waitFor(job.id, (j) => j.status === "completed");
    expect(done).toMatchObject({ attempt: 2, exitCode: 0 });
    const followUp = (await Effect.runPromise(store.list({ pipeline: "after" })))[0]!;
    const finished = await waitFor(followUp.id, (j) => j.status === "completed");
    expect(finished.env["PARALLAX_TRIGGERED_BY"]).toBe(job.id);
    expect(finished.triggeredBy).toBe(job.id);
    expect((await Effect.runPromise(logs.read(followUp.id, 0, 10))).lines.map((line) => line.message)).toContain("follow-up ran");
    await worker.stop(1000);
  });

  it("cancelling `sh -c 'sleep 100 & sleep 100'` ends it cancelled within 2 s with its whole group gone", async () => {
    const { service, worker, waitFor, start } = setup();
    start();
    const job = await submit(service, "forever");
    await waitFor(job.id, (j) => j.status === "running");
    const pgid = await findGroup(marker);
    expect(groupAlive(pgid)).toBe(true);
    const requested = Date.now();
    await Effect.runPromise(service.cancel(job.id));
    const done = await waitFor(job.id, (j) => j.status === "cancelled", 2_000);
    expect(Date.now() - requested).toBeLessThan(2_000);
    expect(done.error).toBe("Cancelled");
    expect(groupAlive(pgid)).toBe(false);
    await worker.stop(1000);
  });

  it("a stopping worker releases its running job to the queue without spending the attempt", async () => {
    const { service, worker, waitFor, start } = setup();
    start();
    const job = await submit(service, "forever");
    await waitFor(job.id, (j) => j.status === "running");
    const pgid = await findGroup(marker);
    await worker.stop(50);
    const released = await waitFor(job.id, (j) => j.status === "pending");
    expect(released.attempt).toBe(0);
    expect(released.history.at(-1)).toMatchObject({ kind: "released", reason: "worker w-test stopped" });
    expect(groupAlive(pgid)).toBe(false);
  });
});

describe("lease expiry recovery", () => {
  it("stops the processes a vanished worker left behind before running the job again", async () => {
    const { store, service, worker, waitFor, logs, start } = setup(2000);
    const job = await submit(service, "forever");
    // A "ghost" worker claims the job with a short lease, starts its process, then vanishes.
    const claimed = claim(job, { owner: "ghost", token: "ghost-token", now: Date.now(), leaseMs: 300 });
    if (Result.isFailure(claimed)) throw new Error("claim refused");
    await Effect.runPromise(store.replace(claimed.success, job.version));
    const ghostMarker = `parallax-ghost-${process.pid}`;
    const runner = new ChildProcessRunner({ killGraceMs: 500 });
    const ghostRun = Effect.runFork(
      Effect.scoped(Effect.flatMap(runner.run({ command: ["sh", "-c", "sleep 100 & sleep 100", ghostMarker], cwd: dir, env: { PARALLAX_LEASE_TOKEN: "ghost-token" } }), (ghost) => Stream.runDrain(ghost.lines))),
    );
    const ghostGroup = await findGroup(ghostMarker);
    start();
    const rerun = await waitFor(job.id, (j) => j.status === "running" && j.lease?.owner === "w-test");
    expect(rerun.history.map((event) => event.kind)).toEqual(["submitted", "started", "lease_expired", "started"]);
    expect(groupAlive(ghostGroup)).toBe(false);
    const lines = (await Effect.runPromise(logs.read(job.id, 0, 10))).lines.map((line) => line.message);
    expect(lines[0]).toMatch(/lease of ghost expired .*; 1 orphaned process group\(s\) of that run stopped on w-test/);
    await Effect.runPromise(service.cancel(job.id));
    await waitFor(job.id, (j) => j.status === "cancelled");
    await Effect.runPromise(Fiber.interrupt(ghostRun));
    await worker.stop(1000);
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
