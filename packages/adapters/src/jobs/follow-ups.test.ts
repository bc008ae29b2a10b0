import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { pipelinesFileSchema, type Job } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, JobWorker, PipelineCatalog, type JobStore, type LogStore } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { ChildProcessRunner } from "./child-process.runner.js";
import { FileJobStore } from "./file-job.store.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

/**
 * A worker dies (here: stops dead, writing nothing more) in each window between a run that
 * succeeded and its job's completion. Another worker must then queue the follow-ups that
 * were not queued, exactly once each, complete the parent, and never run the parent again.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const catalog = new PipelineCatalog(
  pipelinesFileSchema.parse({
    pipelines: [
      { name: "parent", command: ["sh", "-c", "echo parent >> runs.txt"], then: ["child-a", "child-b"] },
      { name: "child-a", command: ["sh", "-c", "echo a >> children.txt"] },
      { name: "child-b", command: ["sh", "-c", "echo b >> children.txt"], exclusive: true },
    ],
  }),
);

type Window = "before any follow-up" | "between the follow-ups" | "after the follow-ups, before completing";

/** The store as the dying worker sees it: the write that would end `window` never returns. */
function dyingAt(store: JobStore, window: Window, died: () => void): JobStore {
  let followUps = 0;
  const die = <A>(): Effect.Effect<A> => Effect.andThen(Effect.sync(died), Effect.never);
  const limit = window === "before any follow-up" ? 0 : window === "between the follow-ups" ? 1 : 2;
  return {
    insert: (job) => (job.id.includes(".then") && followUps++ >= limit ? die() : store.insert(job)),
    get: (id) => store.get(id),
    list: (query) => store.list(query),
    // The dying worker only ever runs the parent: a follow-up it queued and claimed before
    // dying could be cut short by its stop after its process wrote, and run again by the other.
    claimCandidates: (now, limit) => Effect.map(store.claimCandidates(now, limit), (jobs) => jobs.filter((job) => job.pipeline === "parent")),
    queueDepth: (now, limit) => store.queueDepth(now, limit),
    getExclusive: (pipeline) => store.getExclusive(pipeline),
    putExclusive: (next, expected) => store.putExclusive(next, expected),
    replace: (next, expected) => (next.pipeline === "parent" && next.status === "completed" ? die() : store.replace(next, expected)),
  };
}

function worker(store: JobStore, logs: LogStore, dir: string, id: string, leaseMs: number): { worker: JobWorker; service: PipelineJobs } {
  let counter = 0;
  const ids = { next: () => `${id}-${++counter}` };
  const service = new PipelineJobs(store, logs, catalog, new FileWorkspace(dir), new SystemClock(), ids, new JobChanges());
  const settings = { workerId: id, concurrency: 2, leaseMs, heartbeatMs: 100, pollMs: 20, cancelPollMs: 100, random: () => 0.5, maxBufferedLines: 100 };
  return { service, worker: new JobWorker({ store, logs, runner: new ChildProcessRunner({ killGraceMs: 500 }), clock: new SystemClock(), ids, service }, settings) };
}

async function waitFor<A>(what: string, probe: () => Promise<A | undefined>, timeoutMs = 10_000): Promise<A> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stores: Array<[string, (dir: string) => [JobStore, JobStore]]> = [
  ["memory", () => {
    const store = new MemoryJobStore();
    return [store, store];
  }],
  ["file", (dir) => [new FileJobStore(join(dir, "jobs")), new FileJobStore(join(dir, "jobs"), { refreshMs: 0, leaseScanMs: 0 })]],
];
const windows: Window[] = ["before any follow-up", "between the follow-ups", "after the follow-ups, before completing"];

describe.each(stores)("follow-ups with the %s store survive a worker dying", (_name, makeStores) => {
  it.each(windows)("%s", async (window) => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-followups-"));
    dirs.push(dir);
    const [storeA, storeB] = makeStores(dir);
    const logs = new MemoryLogStore();
    let died!: () => void;
    const death = new Promise<void>((resolve) => (died = resolve));
    const a = worker(dyingAt(storeA, window, died), logs, dir, "w-a", 300);
    a.worker.start();
    const parent = await Effect.runPromise(a.service.submit("parent"));
    await death;
    await a.worker.stop(0);
    const stranded = await Effect.runPromise(storeB.get(parent.id));
    expect(stranded).toMatchObject({ status: "running", runs: 1 });

    const b = worker(storeB, logs, dir, "w-b", 5000);
    b.worker.start();
    const done = await waitFor("the parent to complete", async () => {
      const job = await Effect.runPromise(storeB.get(parent.id));
      return job.status === "completed" ? job : undefined;
    });
    const children = await waitFor("both follow-ups to complete", async () => {
      const found = [...(await Effect.runPromise(storeB.list({ pipeline: "child-a" }))), ...(await Effect.runPromise(storeB.list({ pipeline: "child-b" })))];
      return found.length === 2 && found.every((job) => job.status === "completed") ? found : undefined;
    });
    await b.worker.stop(1000);

    expect(done.runs).toBe(1);
    expect(done.history.map((event) => event.kind)).toEqual(["submitted", "started", "succeeded", "completed"]);
    expect(readFileSync(join(dir, "runs.txt"), "utf8")).toBe("parent\n");
    expect(children.map((job: Job) => [job.pipeline, job.id, job.env["PARALLAX_TRIGGERED_BY"]])).toEqual([
      ["child-a", `${parent.id}.then0`, parent.id],
      ["child-b", `${parent.id}.then1`, parent.id],
    ]);
    expect(readFileSync(join(dir, "children.txt"), "utf8").split("\n").filter(Boolean).sort()).toEqual(["a", "b"]);
    expect((await Effect.runPromise(storeB.getExclusive("child-b"))).holder).toBeNull();
    const lines = (await Effect.runPromise(logs.read(parent.id, 0, 100))).lines.map((line) => line.message);
    expect(lines).toContain("[parallax] lease of w-a expired after the run succeeded; follow-ups queued on w-b");
  });
});
