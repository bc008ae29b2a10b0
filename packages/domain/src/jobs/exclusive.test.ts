import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { claimHeld, releaseClaim, takeClaim, unclaimed } from "./exclusive.js";
import { followUpJobId } from "./follow-ups.js";
import { awaitsFollowUps, createJob, type Job } from "./job.js";
import { claim, complete, expireLease, fail, recordSuccess, retry } from "./transitions.js";

const ok = (transition: Result.Result<Job, unknown>): Job => {
  if (Result.isFailure(transition)) throw new Error("refused");
  return transition.success;
};
const pending = createJob({ id: "j1", pipeline: "train", command: ["true"], then: ["verify"] }, 1000);
const running = ok(claim(pending, { owner: "w", token: "t", now: 1000, leaseMs: 500 }));

describe("exclusivity claims", () => {
  const held = takeClaim(unclaimed("train"), "j1", 1, 1000);

  it("hold while the holder is pending or running, or not written yet within the grace period", () => {
    expect(claimHeld(unclaimed("train"), undefined, 1000, 100)).toBe(false);
    expect(claimHeld(held, pending, 99_999, 100)).toBe(true);
    expect(claimHeld(held, running, 99_999, 100)).toBe(true);
    expect(claimHeld(held, undefined, 1050, 100)).toBe(true);
    expect(claimHeld(held, undefined, 1100, 100)).toBe(false);
  });

  it("are free once the holder ended, unless a retry of it took the claim for a newer version", () => {
    const failed = ok(fail(running, { token: "t", now: 1200, reason: "x", exitCode: 1, random: 0 }));
    expect(claimHeld(held, failed, 1200, 100)).toBe(false);
    const retaken = takeClaim(held, "j1", failed.version + 1, 1300);
    expect(claimHeld(retaken, failed, 1350, 100)).toBe(true);
    expect(claimHeld(retaken, ok(retry(failed, 1360)), 99_999, 100)).toBe(true);
    expect(releaseClaim(retaken, failed, 1400)).toBeUndefined();
    expect(releaseClaim(held, failed, 1400)).toMatchObject({ holder: null, version: 2 });
    expect(releaseClaim(held, running, 1400)).toBeUndefined();
  });
});

describe("a run that succeeded with follow-ups to queue", () => {
  it("stays running and leased until completed, and its expired lease does not make it run again", () => {
    const succeeded = ok(recordSuccess(running, { token: "t", now: 1100, exitCode: 0 }));
    expect(succeeded).toMatchObject({ status: "running", succeededAt: 1100, exitCode: 0, lease: { token: "t" } });
    expect(awaitsFollowUps(succeeded)).toBe(true);
    expect(Result.isFailure(expireLease(succeeded, 5000))).toBe(true);
    expect(ok(complete(succeeded, { token: "t", now: 1200, exitCode: 0 }))).toMatchObject({ status: "completed", succeededAt: null });
    expect(ok(recordSuccess(succeeded, { token: "t", now: 1150, exitCode: 0 }))).toBe(succeeded);
  });

  it("gets follow-up ids that depend only on the parent and position, bounded in length", () => {
    expect(followUpJobId("abc", 0, "verify")).toBe("abc.then0");
    expect(followUpJobId("abc", 0, "verify")).toBe(followUpJobId("abc", 0, "verify"));
    const chain = ["x".repeat(40)];
    for (let depth = 0; depth < 50; depth++) chain.push(followUpJobId(chain.at(-1)!, 1, "verify"));
    expect(Math.max(...chain.map((id) => id.length))).toBeLessThanOrEqual(96);
    expect(new Set(chain).size).toBe(chain.length);
    expect(chain.some((id) => /^then-[0-9a-f]{16}-1$/.test(id))).toBe(true);
  });
});
