import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Result } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { claim, complete, fail, takeClaim, type Job } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, JobWorker, type JobStore } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { ChildProcessRunner } from "./child-process.runner.js";
import { exclusiveCatalog, interleaving, raceStore, submitMany, type RaceStoreKind, type SubmitOutcome } from "./exclusive-race.testkit.js";
import { FileJobStore } from "./file-job.store.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const dirs: string[] = [];
const children = new Set<ChildProcess>();
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-exclusive-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const clock = new SystemClock();
let counter = 0;
const service = (store: JobStore, dir: string, exclusiveGraceMs?: number) =>
  new PipelineJobs(store, new MemoryLogStore(), exclusiveCatalog, new FileWorkspace(dir), clock, { next: () => `job-${++counter}` }, new JobChanges(), { exclusiveGraceMs });
const ok = (transition: Result.Result<Job, unknown>) => {
  if (Result.isFailure(transition)) throw new Error("refused");
  return transition.success;
};
/** Runs a job to `completed` the way a worker would, but without releasing its claim (its worker "died" right after). */
async function completeWithoutRelease(store: JobStore, id: string): Promise<Job> {
  const job = await run(store.get(id));
  const running = await run(store.replace(ok(claim(job, { owner: "w", token: "t", now: Date.now(), leaseMs: 60_000 })), job.version));
  return run(store.replace(ok(complete(running, { token: "t", now: Date.now(), exitCode: 0 })), running.version));
}

function expectOneAccepted(outcomes: SubmitOutcome[]): string {
  const accepted = outcomes.flatMap((outcome) => ("accepted" in outcome ? [outcome.accepted] : []));
  const refused = outcomes.flatMap((outcome) => ("refused" in outcome ? [outcome] : []));
  expect(accepted).toHaveLength(1);
  expect(refused).toHaveLength(outcomes.length - 1);
  for (const outcome of refused) expect(outcome).toEqual({ refused: "Job already running: train", holder: accepted[0] });
  return accepted[0]!;
}

describe.each(["file", "sqlite"] as RaceStoreKind[])("exclusive pipelines across processes (%s store)", (kind) => {
  it("two processes race 20 submissions over one DATA_DIR: one accepted, 19 refused; after it completes a new one is accepted", async () => {
    const dir = tempDir();
    const racers = ["a", "b"].map((tag) => {
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "packages/adapters/src/jobs/exclusive-race.testkit.ts", dir, tag, "10", kind], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      });
      children.add(child);
      let output = "";
      let errors = "";
      child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
      const ready = new Promise<void>((resolveReady) => child.stdout!.on("data", (chunk: Buffer) => ((output += chunk.toString()), output.startsWith("ready\n") && resolveReady())));
      const done = new Promise<SubmitOutcome[]>((resolveDone, reject) =>
        child.once("exit", (code) => (code === 0 ? resolveDone(JSON.parse(output.slice("ready\n".length)) as SubmitOutcome[]) : reject(new Error(`racer ${tag} exited ${code}: ${errors}`)))),
      );
      return { ready, done };
    });
    await Promise.all(racers.map((racer) => racer.ready));
    writeFileSync(join(dir, "go"), "");
    const outcomes = (await Promise.all(racers.map((racer) => racer.done))).flat();
    expect(outcomes).toHaveLength(20);
    const winner = expectOneAccepted(outcomes);

    // A real worker runs it; its completion frees the pipeline.
    const store = kind === "sqlite" ? raceStore(kind, dir) : new FileJobStore(join(dir, "jobs"), { refreshMs: 0 });
    const jobs = service(store, dir);
    const worker = new JobWorker(
      { store, logs: new MemoryLogStore(), runner: new ChildProcessRunner({ killGraceMs: 500 }), clock, ids: { next: () => `t-${++counter}` }, service: jobs },
      { workerId: "w", concurrency: 1, leaseMs: 5000, heartbeatMs: 1000, pollMs: 20, cancelPollMs: 200, random: () => 0.5, maxBufferedLines: 100 },
    );
    worker.start();
    const deadline = Date.now() + 10_000;
    while ((await run(store.get(winner))).status !== "completed" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop(1000);
    expect((await run(store.get(winner))).status).toBe("completed");
    expect((await run(store.getExclusive("train"))).holder).toBeNull();
    const next = await run(jobs.submit("train"));
    expect(JSON.stringify(await Effect.runPromiseExit(jobs.submit("train")))).toContain("Job already running: train");
    expect((await run(store.getExclusive("train"))).holder).toBe(next.id);
  }, 60_000);

  it(`two services over two ${kind} stores on one directory race 20 interleaved submissions: one accepted`, async () => {
    const dir = tempDir();
    const [one, two] = [1, 2].map((seed) => service(interleaving(raceStore(kind, dir), seed), dir));
    const winner = expectOneAccepted((await Promise.all([submitMany(one!, 10), submitMany(two!, 10)])).flat());
    const store = raceStore(kind, dir);
    await completeWithoutRelease(store, winner);
    // Its worker died before releasing the claim: the claim is recovered from the job's state.
    expectOneAccepted((await Promise.all([submitMany(two!, 10), submitMany(one!, 10)])).flat());
  });
});

describe("exclusivity claim recovery", () => {
  it("a claim whose job was never written holds for the grace period, then is taken over", async () => {
    const dir = tempDir();
    const store = new MemoryJobStore();
    await run(store.putExclusive(takeClaim(await run(store.getExclusive("train")), "ghost", 1, Date.now()), 0));
    const jobs = service(store, dir, 200);
    expect(JSON.stringify(await Effect.runPromiseExit(jobs.submit("train")))).toContain("Job already running: train");
    await new Promise((r) => setTimeout(r, 250));
    const accepted = await run(jobs.submit("train"));
    expect((await run(store.getExclusive("train"))).holder).toBe(accepted.id);
  });

  it("cancelling a pending job frees the pipeline; retrying it takes the claim again or is refused while another job holds it", async () => {
    const dir = tempDir();
    const store = new FileJobStore(join(dir, "jobs"));
    const jobs = service(store, dir);
    const first = await run(jobs.submit("train"));
    await run(jobs.cancel(first.id));
    expect((await run(store.getExclusive("train"))).holder).toBeNull();
    const second = await run(jobs.submit("train"));
    expect(JSON.stringify(await Effect.runPromiseExit(jobs.retry(first.id)))).toContain("Job already running: train");
    await run(jobs.cancel(second.id));
    expect((await run(jobs.retry(first.id))).status).toBe("pending");
    expect(JSON.stringify(await Effect.runPromiseExit(jobs.submit("train")))).toContain("Job already running: train");
  });

  it("a failed job's late release does not free the claim its retry took", async () => {
    const dir = tempDir();
    const store = new MemoryJobStore();
    const jobs = service(store, dir);
    const job = await run(jobs.submit("train"));
    const running = await run(store.replace(ok(claim(job, { owner: "w", token: "t", now: Date.now(), leaseMs: 60_000 })), job.version));
    const failed = await run(store.replace(ok(fail(running, { token: "t", now: Date.now(), reason: "exit 1", exitCode: 1, random: 0 })), running.version));
    await run(jobs.retry(job.id));
    await run(jobs.releaseExclusive(failed));
    expect((await run(store.getExclusive("train"))).holder).toBe(job.id);
    expect(JSON.stringify(await Effect.runPromiseExit(jobs.submit("train")))).toContain("Job already running: train");
    expect((await run(jobs.submit("verify"))).status).toBe("pending");
  });
});
