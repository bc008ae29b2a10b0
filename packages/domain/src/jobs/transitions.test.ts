import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";
import { createJob, isClaimable, type Job } from "./job.js";
import { claim, complete, expireLease, fail, finishCancelled, heartbeat, release, requestCancel, retry } from "./transitions.js";
import { runTokenOf } from "./job.js";

const ok = (transition: Result.Result<Job, unknown>): Job => {
  if (Result.isFailure(transition)) throw new Error(`refused: ${String((transition.failure as { message: string }).message)}`);
  return transition.success;
};
const refused = (transition: Result.Result<Job, { message: string }>): string => {
  if (Result.isSuccess(transition)) throw new Error("expected a refusal");
  return transition.failure.message;
};

const job = (overrides: Partial<Parameters<typeof createJob>[0]> = {}) =>
  createJob({ id: "j1", pipeline: "p", command: ["true"], maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 5000 }, ...overrides }, 1000);
const lease = { owner: "w1", token: "t1", leaseMs: 500 };

describe("job state machine", () => {
  it("runs pending → running → completed, bumping the version each time", () => {
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    expect(running).toMatchObject({ status: "running", attempt: 1, runs: 1, version: 2, lease: { owner: "w1", expiresAt: 1500 } });
    const beat = ok(heartbeat(running, { token: "t1", nextToken: "t1b", now: 1400, leaseMs: 500 }));
    expect(beat.lease).toEqual({ owner: "w1", token: "t1b", run: "t1", expiresAt: 1900 });
    const done = ok(complete(beat, { token: "t1b", now: 1600, exitCode: 0 }));
    expect(done).toMatchObject({ status: "completed", exitCode: 0, lease: null, completedAt: 1600, version: 4 });
  });

  it("a heartbeat rotates the token: the old one is refused as a lost lease is, the run's token stays", () => {
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    const beat = ok(heartbeat(running, { token: "t1", nextToken: "t2", now: 1400, leaseMs: 500 }));
    const lostLease = refused(complete(running, { token: "other", now: 1500, exitCode: 0 }));
    expect(refused(complete(beat, { token: "t1", now: 1500, exitCode: 0 }))).toBe(lostLease);
    expect(refused(heartbeat(beat, { token: "t1", nextToken: "t3", now: 1500, leaseMs: 500 }))).toBe(lostLease);
    const again = ok(heartbeat(beat, { token: "t2", nextToken: "t3", now: 1500, leaseMs: 500 }));
    expect(again.lease).toMatchObject({ token: "t3", run: "t1" });
    expect(runTokenOf(again.lease!)).toBe("t1");
    expect(runTokenOf({ owner: "w0", token: "old", expiresAt: 0 })).toBe("old");
  });

  it("refuses illegal moves", () => {
    expect(refused(complete(job(), { token: "t1", now: 1, exitCode: 0 }))).toMatch(/pending, not running/);
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    expect(refused(claim(running, { ...lease, now: 1000 }))).toMatch(/not pending/);
    expect(refused(complete(running, { token: "other", now: 1100, exitCode: 0 }))).toMatch(/leased to w1/);
    const done = ok(complete(running, { token: "t1", now: 1100, exitCode: 0 }));
    expect(refused(requestCancel(done, 1200))).toBe("Job is already completed");
    expect(refused(retry(done, 1200))).toMatch(/Only failed or cancelled/);
    expect(refused(claim(job({ runAt: 5000 }), { ...lease, now: 1000 }))).toMatch(/not due/);
  });

  it("retries with backoff while attempts remain, then fails with the reason", () => {
    let current = ok(claim(job(), { ...lease, now: 1000 }));
    current = ok(fail(current, { token: "t1", now: 2000, reason: "Process exited with code 3", exitCode: 3, random: 0 }));
    expect(current).toMatchObject({ status: "pending", runAt: 2500, error: "Process exited with code 3" });
    expect(current.history.at(-1)).toMatchObject({ kind: "retry_scheduled", reason: expect.stringContaining("retry in 500 ms") });
    expect(isClaimable(current, 2499)).toBe(false);
    current = ok(claim(current, { ...lease, now: 2500 }));
    current = ok(fail(current, { token: "t1", now: 3000, reason: "Timed out after 1 s", exitCode: null, random: 1 }));
    expect(current.runAt).toBe(3000 + 2000);
    current = ok(claim(current, { ...lease, now: 5000 }));
    current = ok(fail(current, { token: "t1", now: 6000, reason: "Process exited with code 1", exitCode: 1, random: 0.5 }));
    expect(current).toMatchObject({ status: "failed", attempt: 3, error: "Process exited with code 1" });
  });

  it("recovers an expired lease without spending an attempt, and records why", () => {
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    expect(refused(expireLease(running, 1499))).toMatch(/no expired lease/);
    expect(isClaimable(running, 1500)).toBe(true);
    const recovered = ok(expireLease(running, 1500));
    expect(recovered).toMatchObject({ status: "pending", attempt: 0, stalls: 1, lease: null });
    expect(recovered.history.at(-1)).toMatchObject({ kind: "lease_expired", worker: "w1" });
    const again = ok(claim(recovered, { owner: "w2", token: "t2", now: 1600, leaseMs: 500 }));
    expect(again).toMatchObject({ attempt: 1, runs: 2 });
  });

  it("fails a job whose workers keep vanishing", () => {
    let current = job({ maxStalls: 1 });
    current = ok(expireLease(ok(claim(current, { ...lease, now: 1000 })), 2000));
    current = ok(expireLease(ok(claim(current, { ...lease, now: 2000 })), 3000));
    expect(current).toMatchObject({ status: "failed", error: expect.stringMatching(/Worker lost 2 times/) });
  });

  it("cancels pending jobs at once and running jobs through their worker", () => {
    expect(ok(requestCancel(job(), 1000)).status).toBe("cancelled");
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    const flagged = ok(requestCancel(running, 1100));
    expect(flagged).toMatchObject({ status: "running", cancelRequested: true });
    expect(ok(finishCancelled(flagged, { token: "t1", now: 1200, exitCode: null }))).toMatchObject({ status: "cancelled", error: "Cancelled" });
    expect(ok(release(flagged, { token: "t1", now: 1200, reason: "worker stopping" })).status).toBe("cancelled");
    const retried = ok(retry(ok(finishCancelled(flagged, { token: "t1", now: 1200, exitCode: null })), 1300));
    expect(retried).toMatchObject({ status: "pending", attempt: 0, cancelRequested: false });
  });

  it("releases a job without spending its attempt", () => {
    const running = ok(claim(job(), { ...lease, now: 1000 }));
    expect(ok(release(running, { token: "t1", now: 1100, reason: "stop" }))).toMatchObject({ status: "pending", attempt: 0 });
  });
});

describe("backoff", () => {
  it("grows exponentially with equal jitter and a cap", () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, 0))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelayMs(policy, 3, 0.999999)).toBe(400);
    expect(backoffDelayMs(policy, 60, 1)).toBe(1000);
  });
});
