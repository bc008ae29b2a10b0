import { tmpdir } from "node:os";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { createJob, followUpJobId, pipelinesFileSchema, type Job, type JobStatus } from "@parallax/domain/jobs";
import { ChainEnds, JobChanges, PipelineJobs, PipelineCatalog, clientJobView, loadChain } from "@parallax/application/jobs";
import { SystemClock } from "../shared/system-clock.js";
import { FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

/**
 * §C reads a job and its follow-ups as one: loaded from a real store, ended once however many
 * of its jobs end together, and shown with the output of all of them.
 */
const catalog = new PipelineCatalog(
  pipelinesFileSchema.parse({
    pipelines: [
      { name: "apply", command: ["true"], then: ["verify", "report"] },
      { name: "verify", command: ["true"] },
      { name: "report", command: ["true"] },
    ],
  }),
);

function setup() {
  const store = new MemoryJobStore();
  const logs = new MemoryLogStore();
  const service = new PipelineJobs(store, logs, catalog, new FileWorkspace(tmpdir()), new SystemClock(), { next: () => "unused" }, new JobChanges());
  const watched: string[] = [];
  const ends = new ChainEnds(service, (id) => watched.push(id));
  const put = (job: Job) => Effect.runPromise(store.insert(job));
  const update = async (id: string, status: JobStatus, changes: Partial<Job> = {}) => {
    const current = await Effect.runPromise(store.get(id));
    return Effect.runPromise(store.replace({ ...current, status, completedAt: 5_000, ...changes, version: current.version + 1 }, current.version));
  };
  return { store, logs, service, ends, watched, put, update, run: <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect) };
}

const job = (id: string, pipeline: string, status: JobStatus, triggeredBy?: string): Job => ({
  ...createJob({ id, pipeline, command: ["true"], then: catalog.get(pipeline)!.then, ...(triggeredBy ? { triggeredBy } : {}) }, 1_000),
  status,
  completedAt: status === "completed" ? 2_000 : null,
});

const verifyId = followUpJobId("p", 0, "verify");
const reportId = followUpJobId("p", 1, "report");

describe("job chains", () => {
  it("a job's end that leaves its chain open says nothing and hands the open jobs to watch", async () => {
    const { service, ends, watched, put, run } = setup();
    await put(job("p", "apply", "completed"));
    await put(job(verifyId, "verify", "completed", "p"));
    await put(job(reportId, "report", "pending", "p"));
    const verify = await run(loadChain(service, job(verifyId, "verify", "completed", "p")));
    expect(verify.map((member) => member.id)).toEqual([verifyId]);
    expect(await run(ends.ended(job(verifyId, "verify", "completed", "p")))).toBeUndefined();
    expect(watched).toEqual([reportId]);
  });

  it("the chain ends once, however many of its jobs end together; a retried job ends it again", async () => {
    const { ends, put, update, run, store } = setup();
    await put(job("p", "apply", "completed"));
    await put(job(verifyId, "verify", "running", "p"));
    await put(job(reportId, "report", "running", "p"));
    await update(verifyId, "completed");
    await update(reportId, "completed");
    const [fromVerify, fromReport] = await Promise.all([run(ends.ended(await run(store.get(verifyId)))), run(ends.ended(await run(store.get(reportId))))]);
    expect([fromVerify, fromReport].filter((chain) => chain !== undefined).map((chain) => chain!.map((member) => member.id))).toEqual([["p", verifyId, reportId]]);
    expect(await run(ends.ended(await run(store.get("p"))))).toBeUndefined();
    await update(reportId, "failed", { error: "Process exited with code 1", exitCode: 1 });
    const again = await run(ends.ended(await run(store.get(reportId))));
    expect(again?.map((member) => member.status)).toEqual(["completed", "completed", "failed"]);
  });

  it("a follow-up refused when queued is not part of the chain; the view holds every job's output", async () => {
    const { service, logs, put, run } = setup();
    await put(job("p", "apply", "completed"));
    await put(job(verifyId, "verify", "failed", "p"));
    await run(logs.append("p", [{ stream: "stdout", timestamp: "t", message: "applied 1" }]));
    await run(logs.append(verifyId, [{ stream: "system", timestamp: "t", message: "[parallax] started" }, { stream: "stderr", timestamp: "t", message: "no model" }]));
    const view = await run(clientJobView(service, await run(service.get("p"))));
    expect(view).toMatchObject({ job_id: "p", status: "failed", output: ["applied 1", "no model"] });
  });
});
