import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { fixedClock, sequentialIds } from "../../testing/index.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS } from "../exclusive-claim.js";
import { catalogOf, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import { submitJob, type SubmitJobDeps } from "./submit-job.js";

const catalog = catalogOf([
  { name: "generate", command: ["gen", "--tiles", "{tiles}", "--out", "{base_dir}/{job_id}"], params: { tiles: { type: "integer", default: 4 } }, env: { MODE: "fast" }, priority: 3 },
  { name: "train", command: ["train"], exclusive: true, requires: ["data/*.json"], requires_message: "Generate training data first" },
]);

function setup(matches = 1) {
  const store = tableJobStore();
  const changes = recordedChanges();
  const deps: SubmitJobDeps = { store, catalog, workspace: workspaceFake(matches), clock: fixedClock("2026-02-01T00:00:00.000Z"), ids: sequentialIds("job"), changes, exclusiveGraceMs: DEFAULT_EXCLUSIVE_GRACE_MS };
  return { store, changes, deps };
}

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect));

describe("submitJob", () => {
  it("queues a job with its params substituted and the builtins set, and announces it", async () => {
    const { store, changes, deps } = setup();
    const job = await Effect.runPromise(submitJob(deps, "generate", { tiles: "8" }));
    expect(job).toMatchObject({
      id: "job-1",
      pipeline: "generate",
      status: "pending",
      command: ["gen", "--tiles", "8", "--out", "/workspace/./job-1"],
      params: { tiles: 8 },
      cwd: "/workspace/.",
      env: { MODE: "fast", PARALLAX_JOB_ID: "job-1" },
      priority: 3,
      createdAt: Date.parse("2026-02-01T00:00:00.000Z"),
    });
    expect(store.jobs.get("job-1")).toEqual(job);
    expect(changes.published).toEqual([{ jobId: "job-1", change: "submitted" }]);
  });

  it("refuses an unknown pipeline (404), bad params and bad options (400), naming them", async () => {
    const { store, deps } = setup();
    expect(await failure(submitJob(deps, "nope"))).toMatchObject({ _tag: "NotFound", message: "Pipeline not found: nope" });
    expect(await failure(submitJob(deps, "generate", { tiles: "many" }))).toMatchObject({ _tag: "InvalidInput" });
    expect(await failure(submitJob(deps, "generate", {}, { priority: 1.5 }))).toMatchObject({ _tag: "InvalidInput", message: expect.stringContaining("Invalid priority") });
    expect(await failure(submitJob(deps, "generate", {}, { id: "../x" }))).toMatchObject({ _tag: "InvalidInput", message: expect.stringContaining("Invalid job id") });
    expect(store.jobs.size).toBe(0);
  });

  it("refuses a pipeline whose precondition matches nothing, with its message", async () => {
    const { store, deps } = setup(0);
    expect(await failure(submitJob(deps, "train"))).toMatchObject({ _tag: "PreconditionFailed", message: "Generate training data first" });
    expect(store.jobs.size).toBe(0);
  });

  it("with an id is idempotent: the existing job is answered, nothing written or announced again", async () => {
    const { store, changes, deps } = setup();
    const first = await Effect.runPromise(submitJob(deps, "generate", {}, { id: "parent.then0", triggeredBy: "parent" }));
    const again = await Effect.runPromise(submitJob(deps, "generate", {}, { id: "parent.then0", triggeredBy: "parent" }));
    expect(again).toEqual(first);
    expect(first).toMatchObject({ triggeredBy: "parent", env: { PARALLAX_TRIGGERED_BY: "parent" } });
    expect(store.jobs.size).toBe(1);
    expect(changes.published).toEqual([{ jobId: "parent.then0", change: "submitted", triggeredBy: "parent" }]);
  });

  it("takes an exclusive pipeline's claim before inserting: a second job is a 409 naming the holder", async () => {
    const { store, deps } = setup();
    const first = await Effect.runPromise(submitJob(deps, "train"));
    expect(store.claims.get("train")).toMatchObject({ holder: first.id });
    expect(await failure(submitJob(deps, "train"))).toMatchObject({ _tag: "Conflict", message: "Job already running: train", details: { job_id: first.id } });
    expect(store.jobs.size).toBe(1);
  });
});
