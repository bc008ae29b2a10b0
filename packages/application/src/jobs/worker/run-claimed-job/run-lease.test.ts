import { describe, expect, it } from "vitest";
import { createJob, type Job } from "@parallax/domain/jobs";
import { sequentialIds } from "../../../testing/index.js";
import { RunLease } from "./run-lease.js";

const running = (token: string, version: number): Job => ({
  ...createJob({ id: "j", pipeline: "p", command: ["true"] }, 0),
  status: "running",
  version,
  lease: { owner: "w", token, expiresAt: 1_000 },
});

describe("a run's lease", () => {
  it("holds the job under any token it drew since the last confirmed one, and lets go of those drawn before it", () => {
    const lease = new RunLease(running("w/claim", 2), sequentialIds("t"));
    const first = lease.drawNext();
    // Its answer lost: the store may hold `first`, and the run still holds the job under it.
    const second = lease.drawNext();
    expect(lease.holds(running(first, 3))).toBe(true);
    lease.confirm(running(second, 4));
    expect(lease.holds(running(second, 4))).toBe(true);
    expect(lease.tokenFor(running(second, 4))).toBe(second);
    // `first` was drawn before the confirmed `second`: no write can put it back, so it is forgotten.
    expect(lease.holds(running(first, 5))).toBe(false);
    expect(lease.tokenFor(running(first, 5))).toBe(second);
    const third = lease.drawNext();
    expect(lease.holds(running(third, 5))).toBe(true);
    expect(lease.holds(running("w/other-run", 5))).toBe(false);
  });
});
