import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { followUpJobId } from "@parallax/domain/jobs";
import { fixedClock, sequentialIds, strictFake } from "../../testing/index.js";
import type { LogStore } from "../ports/log-store.port.js";
import { catalogOf, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import { cancelJob } from "./cancel-job.js";
import { ChainEnds, chainRoot, loadChain } from "./job-chain.js";
import { PipelineJobs } from "./pipeline-jobs.js";
import { submitJob } from "./submit-job.js";

const catalog = catalogOf([
  { name: "apply", command: ["apply"], then: ["verify"] },
  { name: "verify", command: ["verify"] },
]);

function setup() {
  const store = tableJobStore();
  const clock = fixedClock("2026-02-01T00:00:00.000Z");
  const changes = recordedChanges();
  const deps = { store, catalog, workspace: workspaceFake(), clock, ids: sequentialIds("job"), changes, exclusiveGraceMs: 10_000 };
  const service = new PipelineJobs(store, strictFake<LogStore>("LogStore"), catalog, deps.workspace, clock, deps.ids, changes);
  /** `apply`, completed, and the `verify` its success queued. */
  const chain = async () => {
    const submitted = await Effect.runPromise(submitJob(deps, "apply"));
    const root = { ...submitted, status: "completed" as const, completedAt: clock.now().getTime(), version: submitted.version + 1 };
    await Effect.runPromise(store.replace(root, submitted.version));
    const followUp = await Effect.runPromise(submitJob(deps, "verify", {}, { id: followUpJobId(root.id, 0, "verify"), triggeredBy: root.id }));
    return { root, followUp };
  };
  return { deps, service, chain };
}

describe("job chains", () => {
  it("a chain is its root then its follow-ups; a follow-up's root is the job the client submitted", async () => {
    const { service, chain } = setup();
    const { root, followUp } = await chain();
    expect((await Effect.runPromise(loadChain(service, root))).map((job) => job.id)).toEqual([root.id, followUp.id]);
    expect((await Effect.runPromise(chainRoot(service, followUp))).id).toBe(root.id);
  });

  it("a chain ends once, when its last open job ends; the open ones are watched meanwhile", async () => {
    const { deps, service, chain } = setup();
    const { root, followUp } = await chain();
    const watched: string[] = [];
    const ends = new ChainEnds(service, (id) => void watched.push(id));
    expect(await Effect.runPromise(ends.ended(root))).toBeUndefined();
    expect(watched).toEqual([followUp.id]);
    const last = await Effect.runPromise(cancelJob(deps, followUp.id));
    expect((await Effect.runPromise(ends.ended(last)))?.map((job) => job.id)).toEqual([root.id, followUp.id]);
    expect(await Effect.runPromise(ends.ended(last))).toBeUndefined();
  });
});
