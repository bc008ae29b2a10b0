import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { fail } from "@parallax/domain/jobs";
import { fixedClock, sequentialIds } from "../../testing/index.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS, releaseExclusiveOf } from "../exclusive-claim.js";
import { applied, catalogOf, claimed, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import { cancelJob } from "./cancel-job.js";
import { retryJob } from "./retry-job.js";
import { submitJob } from "./submit-job.js";

const catalog = catalogOf([
  { name: "train", command: ["train"], exclusive: true, max_attempts: 1 },
  { name: "verify", command: ["verify"], max_attempts: 1 },
]);

function setup() {
  const store = tableJobStore();
  const changes = recordedChanges();
  const clock = fixedClock("2026-02-01T00:00:00.000Z");
  const deps = { store, catalog, workspace: workspaceFake(), clock, ids: sequentialIds("job"), changes, exclusiveGraceMs: DEFAULT_EXCLUSIVE_GRACE_MS };
  const submit = (name: string) => Effect.runPromise(submitJob(deps, name));
  /** Runs `id` on a worker that fails it for good (one attempt). */
  const failRun = async (id: string) => {
    const job = await Effect.runPromise(store.get(id));
    const running = claimed(job, clock.now().getTime());
    await Effect.runPromise(store.replace(running, job.version));
    const failed = applied(fail(running, { token: running.lease!.token, now: clock.now().getTime(), reason: "Process exited with code 1", exitCode: 1, random: 0 }));
    await Effect.runPromise(store.replace(failed, running.version));
    // The worker frees the claim of a job it ended.
    await Effect.runPromise(releaseExclusiveOf({ store, catalog, clock }, failed));
    return failed;
  };
  return { store, changes, clock, deps, submit, failRun };
}

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect));

describe("retryJob", () => {
  it("queues a failed job again now, with fresh attempts, and announces it", async () => {
    const { changes, clock, deps, submit, failRun } = setup();
    const job = await submit("verify");
    await failRun(job.id);
    clock.advance(5_000);
    const retried = await Effect.runPromise(retryJob(deps, job.id));
    expect(retried).toMatchObject({ status: "pending", attempt: 0, error: null, exitCode: null, runAt: clock.now().getTime() });
    expect(retried.history.at(-1)).toMatchObject({ kind: "retried" });
    expect(changes.published.at(-1)).toEqual({ jobId: job.id, change: "retried" });
  });

  it("refuses a job that is pending or running (409)", async () => {
    const { deps, submit } = setup();
    const job = await submit("verify");
    expect(await failure(retryJob(deps, job.id))).toMatchObject({ _tag: "Conflict", message: "Only failed or cancelled jobs can be retried; job is pending" });
  });

  it("takes an exclusive pipeline's claim again, or 409 while another job holds it", async () => {
    const { store, deps, submit, failRun } = setup();
    const first = await submit("train");
    await failRun(first.id);
    const second = await submit("train");
    expect(await failure(retryJob(deps, first.id))).toMatchObject({ _tag: "Conflict", message: "Job already running: train" });
    await Effect.runPromise(cancelJob(deps, second.id));
    expect((await Effect.runPromise(retryJob(deps, first.id))).status).toBe("pending");
    expect(store.claims.get("train")).toMatchObject({ holder: first.id });
  });
});
