import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { fixedClock, sequentialIds, strictFake } from "../../testing/index.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS } from "../exclusive-claim.js";
import { catalogOf, claimed, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import type { JobStore } from "../ports/job-store.port.js";
import { cancelJob } from "./cancel-job.js";
import { submitJob } from "./submit-job.js";

const catalog = catalogOf([{ name: "train", command: ["train"], exclusive: true }]);

function setup() {
  const store = tableJobStore();
  const changes = recordedChanges();
  const clock = fixedClock("2026-02-01T00:00:00.000Z");
  const deps = { store, catalog, workspace: workspaceFake(), clock, ids: sequentialIds("job"), changes, exclusiveGraceMs: DEFAULT_EXCLUSIVE_GRACE_MS };
  const submit = () => Effect.runPromise(submitJob(deps, "train"));
  return { store, changes, clock, deps, submit };
}

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect));

describe("cancelJob", () => {
  it("ends a pending job cancelled now, frees its pipeline's claim and announces it", async () => {
    const { store, changes, clock, deps, submit } = setup();
    const job = await submit();
    clock.advance(1_000);
    const cancelled = await Effect.runPromise(cancelJob(deps, job.id));
    expect(cancelled).toMatchObject({ status: "cancelled", error: "Cancelled", completedAt: clock.now().getTime() });
    expect(store.claims.get("train")).toMatchObject({ holder: null });
    expect(changes.published.at(-1)).toEqual({ jobId: job.id, change: "cancelled" });
    // The claim is free: the next job of the exclusive pipeline is accepted.
    expect((await submit()).status).toBe("pending");
  });

  it("marks a running job for its worker, which keeps the claim until the job ends", async () => {
    const { store, clock, deps, submit } = setup();
    const job = await submit();
    await Effect.runPromise(store.replace(claimed(job, clock.now().getTime()), job.version));
    const cancelling = await Effect.runPromise(cancelJob(deps, job.id));
    expect(cancelling).toMatchObject({ status: "running", cancelRequested: true });
    expect(store.claims.get("train")).toMatchObject({ holder: job.id });
  });

  it("refuses a job already ended (409) and answers 404 for an unknown one", async () => {
    const { deps, submit } = setup();
    const job = await submit();
    await Effect.runPromise(cancelJob(deps, job.id));
    expect(await failure(cancelJob(deps, job.id))).toMatchObject({ _tag: "Conflict", message: "Job is already cancelled" });
    expect(await failure(cancelJob(deps, "job-404"))).toMatchObject({ _tag: "NotFound", message: "Job not found" });
  });

  it("an id no job can have is not found without asking the store", async () => {
    const { deps } = setup();
    const store = strictFake<JobStore>("JobStore");
    expect(await failure(cancelJob({ ...deps, store }, "../../etc/passwd"))).toMatchObject({ _tag: "NotFound" });
  });
});
