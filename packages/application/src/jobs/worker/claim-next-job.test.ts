import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { recordSuccess, type Job } from "@parallax/domain/jobs";
import { fixedClock, sequentialIds } from "../../testing/index.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS } from "../exclusive-claim.js";
import { applied, catalogOf, claimed, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import type { JobStore } from "../ports/job-store.port.js";
import { submitJob } from "../use-cases/submit-job.js";
import { claimDue, claimNext } from "./claim-next-job.js";

const catalog = catalogOf([{ name: "low", command: ["low"] }, { name: "high", command: ["high"], priority: 5 }, { name: "parent", command: ["parent"], then: ["low"] }]);

function setup() {
  const store = tableJobStore();
  const clock = fixedClock("2026-02-01T00:00:00.000Z");
  const deps = { store, catalog, workspace: workspaceFake(), clock, ids: sequentialIds("job"), changes: recordedChanges(), exclusiveGraceMs: DEFAULT_EXCLUSIVE_GRACE_MS };
  const submit = (name: string) => Effect.runPromise(submitJob(deps, name));
  const request = (owner = "w-1") => ({ owner, token: `${owner}/1`, now: clock.now().getTime(), leaseMs: 1_000 });
  return { store, clock, submit, request };
}

describe("claimNext", () => {
  it("claims the best due job with a lease; nothing when none is due", async () => {
    const { store, submit, request } = setup();
    expect(await Effect.runPromise(claimNext(store, request()))).toBeUndefined();
    await submit("low");
    const high = await submit("high");
    const job = await Effect.runPromise(claimNext(store, request()));
    expect(job).toMatchObject({ id: high.id, status: "running", runs: 1, lease: { owner: "w-1", token: "w-1/1", expiresAt: request().now + 1_000 } });
  });

  it("a lost race (someone wrote the job first) moves on to the next candidate", async () => {
    const { store, submit, request } = setup();
    const first = await submit("high");
    const second = await submit("low");
    // Another worker claims `first` between this worker's read and its write.
    const racing: JobStore = {
      ...store,
      replace: (next, expected) =>
        next.id === first.id ? Effect.andThen(store.replace(claimed(first, request().now, "w-2"), first.version), store.replace(next, expected)) : store.replace(next, expected),
    };
    const job = await Effect.runPromise(claimNext(racing, request()));
    expect(job?.id).toBe(second.id);
    expect((await Effect.runPromise(store.get(first.id))).lease?.owner).toBe("w-2");
  });

  it("recovers a job whose lease expired (recording it) and claims it, after the expiry handler", async () => {
    const { store, clock, submit, request } = setup();
    const job = await submit("low");
    const lost = claimed(job, clock.now().getTime(), "ghost", 300);
    await Effect.runPromise(store.replace(lost, job.version));
    clock.advance(299);
    expect(await Effect.runPromise(claimNext(store, request()))).toBeUndefined();
    clock.advance(1);
    const seen: Array<[Job, Job]> = [];
    const rerun = await Effect.runPromise(claimNext(store, request(), (before, recovered) => Effect.sync(() => void seen.push([before, recovered]))));
    expect(rerun).toMatchObject({ status: "running", lease: { owner: "w-1" } });
    expect(rerun!.history.map((event) => event.kind)).toEqual(["submitted", "started", "lease_expired", "started"]);
    expect(seen.map(([before, recovered]) => [before.lease?.owner, recovered.status])).toEqual([["ghost", "pending"]]);
  });

  it("a job whose run succeeded but whose worker vanished is handed over to finish, not run again", async () => {
    const { store, clock, submit, request } = setup();
    const job = await submit("parent");
    const running = claimed(job, clock.now().getTime(), "ghost", 300);
    const succeeded = applied(recordSuccess(running, { token: running.lease!.token, now: clock.now().getTime(), exitCode: 0 }));
    await Effect.runPromise(store.replace(running, job.version));
    await Effect.runPromise(store.replace(succeeded, running.version));
    clock.advance(300);
    const handedOver: string[] = [];
    const claimedJob = await Effect.runPromise(claimNext(store, request(), undefined, (unfinished) => Effect.sync(() => void handedOver.push(unfinished.id))));
    expect(claimedJob).toBeUndefined();
    expect(handedOver).toEqual([job.id]);
    expect((await Effect.runPromise(store.get(job.id))).runs).toBe(1);
  });

  it("claimDue writes a batch's claims at once (a store committing a turn's writes together commits them in one transaction), best first; a lost race moves on to the next candidate", async () => {
    const { store, submit, request } = setup();
    const jobs = [await submit("high"), await submit("low"), await submit("low"), await submit("low")];
    const events: string[] = [];
    const batching: JobStore = {
      ...store,
      replace: (next, expected) =>
        Effect.suspend(() => {
          events.push(`write ${next.id}`);
          // Someone else claimed the second job first.
          const write = next.id === jobs[1]!.id ? Effect.andThen(store.replace(claimed(jobs[1]!, request().now, "w-2"), jobs[1]!.version), store.replace(next, expected)) : store.replace(next, expected);
          return Effect.andThen(Effect.yieldNow, write).pipe(Effect.tap(() => Effect.sync(() => events.push(`done ${next.id}`))));
        }),
    };
    let tokens = 0;
    const claimedJobs = await Effect.runPromise(claimDue(batching, { owner: "w-1", now: request().now, leaseMs: 1_000, limit: 3, nextToken: () => `w-1/${++tokens}` }));
    expect(claimedJobs.map((job) => job.id)).toEqual([jobs[0]!.id, jobs[2]!.id, jobs[3]!.id]);
    expect(events.slice(0, 3)).toEqual(jobs.slice(0, 3).map((job) => `write ${job.id}`));
    expect(events.indexOf(`write ${jobs[3]!.id}`)).toBeGreaterThan(events.indexOf(`done ${jobs[2]!.id}`));
    expect(new Set(claimedJobs.map((job) => job.lease!.token)).size).toBe(3);
  });
});
