import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { recordSuccess, type Job } from "@parallax/domain/jobs";
import { fixedClock, sequentialIds } from "../../testing/index.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS } from "../exclusive-claim.js";
import { applied, catalogOf, claimed, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import type { JobStore } from "../ports/job-store.port.js";
import { submitJob } from "../use-cases/submit-job.js";
import { queueFollowUpsThenComplete, type SubmitFollowUp } from "./queue-follow-ups.js";

const catalog = catalogOf([
  { name: "parent", command: ["parent"], then: ["child-a", "child-b"] },
  { name: "child-a", command: ["a"] },
  { name: "child-b", command: ["b"], requires: ["never/*"], requires_message: "no input" },
]);

function setup() {
  const store = tableJobStore();
  const clock = fixedClock("2026-02-01T00:00:00.000Z");
  const deps = { store, catalog, workspace: workspaceFake(), clock, ids: sequentialIds("job"), changes: recordedChanges(), exclusiveGraceMs: DEFAULT_EXCLUSIVE_GRACE_MS };
  const submitFollowUp: SubmitFollowUp = (name, parent, id) =>
    submitJob({ ...deps, workspace: workspaceFake(name === "child-b" ? 0 : 1) }, name, {}, { triggeredBy: parent.id, id }).pipe(
      Effect.map((next) => `Queued follow-up ${name} as job ${next.id}`),
      Effect.catch((error) => Effect.succeed(`Follow-up ${name} not queued: ${error.message}`)),
    );
  /** The parent, its run succeeded and recorded, as a worker leaves it before queueing. */
  const succeededParent = async (): Promise<Job> => {
    const job = await Effect.runPromise(submitJob(deps, "parent"));
    const running = claimed(job, clock.now().getTime());
    await Effect.runPromise(store.replace(running, job.version));
    const succeeded = applied(recordSuccess(running, { token: running.lease!.token, now: clock.now().getTime(), exitCode: 0 }));
    return Effect.runPromise(store.replace(succeeded, running.version));
  };
  const followUpDeps = (jobs: JobStore = store) => ({ store: jobs, submitFollowUp, now: () => clock.now().getTime() });
  return { store, succeededParent, followUpDeps };
}

describe("queueFollowUpsThenComplete", () => {
  it("queues each `then` pipeline under its deterministic id, then completes the parent; a refused one is a note", async () => {
    const { store, succeededParent, followUpDeps } = setup();
    const parent = await succeededParent();
    const { notes, completed } = await Effect.runPromise(queueFollowUpsThenComplete(followUpDeps(), parent));
    expect(notes).toEqual([`Queued follow-up child-a as job ${parent.id}.then0`, "Follow-up child-b not queued: no input"]);
    expect(completed).toMatchObject({ id: parent.id, status: "completed" });
    expect(await Effect.runPromise(store.get(`${parent.id}.then0`))).toMatchObject({ pipeline: "child-a", triggeredBy: parent.id });
  });

  it("queued again after a crash, it finds the follow-ups already queued instead of duplicating them", async () => {
    const { store, succeededParent, followUpDeps } = setup();
    const parent = await succeededParent();
    // The first worker queued child-a, then died before completing the parent.
    await Effect.runPromise(followUpDeps().submitFollowUp("child-a", parent, `${parent.id}.then0`));
    const { completed } = await Effect.runPromise(queueFollowUpsThenComplete(followUpDeps(), parent));
    expect(completed?.status).toBe("completed");
    expect((await Effect.runPromise(store.list({ pipeline: "child-a" }))).length).toBe(1);
  });

  it("does nothing for a job that does not await follow-ups", async () => {
    const { store, succeededParent, followUpDeps } = setup();
    const parent = await succeededParent();
    const done = await Effect.runPromise(queueFollowUpsThenComplete(followUpDeps(), parent));
    expect(await Effect.runPromise(queueFollowUpsThenComplete(followUpDeps(), done.completed!))).toEqual({ notes: [], completed: undefined });
    expect(store.jobs.size).toBe(2);
  });

  it("a completion that loses (another worker completed it) answers undefined, logged", async () => {
    const { store, succeededParent, followUpDeps } = setup();
    const parent = await succeededParent();
    const losing: JobStore = { ...store, replace: (next, expected) => (next.id === parent.id ? Effect.andThen(queueFollowUpsThenComplete(followUpDeps(), parent), store.replace(next, expected)) : store.replace(next, expected)) };
    const { completed } = await Effect.runPromise(queueFollowUpsThenComplete(followUpDeps(losing), parent));
    expect(completed).toBeUndefined();
    expect((await Effect.runPromise(store.get(parent.id))).status).toBe("completed");
  });
});
