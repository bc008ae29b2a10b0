import { describe, expect, it } from "vitest";
import { chainState, followUpIds, toClientJobView } from "./chain.js";
import { followUpJobId } from "./follow-ups.js";
import { createJob, type Job, type JobStatus } from "./job.js";

const job = (id: string, status: JobStatus, changes: Partial<Job> = {}): Job => ({
  ...createJob({ id, pipeline: id.includes("then") ? "verify" : "apply-annotations", command: ["true"], then: ["verify"] }, 1_000),
  status,
  ...(status === "pending" || status === "running" ? {} : { completedAt: 2_000 }),
  ...changes,
});

describe("a job and its follow-ups read as one job on §C", () => {
  it("only a completed job has follow-ups, under their deterministic ids", () => {
    expect(followUpIds(job("a", "completed"))).toEqual([followUpJobId("a", 0, "verify")]);
    expect(followUpIds(job("a", "failed"))).toEqual([]);
    expect(followUpIds(job("a", "running", { succeededAt: 1_500 }))).toEqual([]);
  });

  it("reads as its first job until that ends, then running while a follow-up runs", () => {
    const retrying = job("a", "pending", { error: "Process exited with code 1", exitCode: 1 });
    expect(chainState([retrying])).toEqual({ status: "pending", error: "Process exited with code 1", exitCode: 1, completedAt: null });
    expect(chainState([job("a", "completed"), job("a.then0", "pending")])).toEqual({ status: "running", error: null, exitCode: null, completedAt: null });
  });

  it("ends when the last job ends: completed, or failed with the first failure", () => {
    const done = chainState([job("a", "completed", { exitCode: 0 }), job("a.then0", "completed", { completedAt: 3_000 })]);
    expect(done).toEqual({ status: "completed", error: null, exitCode: 0, completedAt: 3_000 });
    const failed = chainState([job("a", "completed"), job("a.then0", "failed", { error: "Process exited with code 2", exitCode: 2 })]);
    expect(failed).toMatchObject({ status: "failed", error: "Process exited with code 2", exitCode: 2 });
  });

  it("never says cancelled: a cancelled job reads failed with an error saying so", () => {
    expect(chainState([job("a", "cancelled", { error: "Cancelled" })])).toMatchObject({ status: "failed", error: "Cancelled" });
    expect(chainState([job("a", "completed"), job("a.then0", "cancelled", { error: "Cancelled" })])).toMatchObject({ status: "failed", error: "Cancelled (verify)" });
  });

  it("the view is the first job's, with the chain's state and output", () => {
    const view = toClientJobView([job("a", "completed"), job("a.then0", "running")], ["applied 1", "verifying"]);
    expect(view).toMatchObject({ job_id: "a", name: "apply-annotations", status: "running", completed_at: null, exit_code: null, output: ["applied 1", "verifying"] });
  });
});
