import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { LOCAL_USER_ID } from "@parallax/domain";
import { createJob, type Job } from "@parallax/domain/jobs";
import { fixedClock, sequentialIds, strictFake } from "../../testing/index.js";
import type { JobQuery, JobStore } from "../ports/job-store.port.js";
import type { LogStore } from "../ports/log-store.port.js";
import { catalogOf, recordedChanges, tableJobStore, workspaceFake } from "../jobs.testkit.js";
import { PipelineJobs } from "./pipeline-jobs.js";

function setup() {
  const table = tableJobStore();
  const asked: JobQuery[] = [];
  let returned = 0;
  // What the use case asks of the store, and how many jobs the store hands back.
  const store: JobStore = { ...table, list: (query = {}) => (asked.push(query), table.list(query).pipe(Effect.tap((jobs) => Effect.sync(() => (returned += jobs.length))))) };
  const catalog = catalogOf([{ name: "p", command: ["true"] }]);
  const service = new PipelineJobs(store, strictFake<LogStore>("LogStore"), catalog, workspaceFake(), fixedClock("2026-02-01T00:00:00.000Z"), sequentialIds("job"), recordedChanges());
  const put = (id: string, at: number, owner?: string) => table.jobs.set(id, createJob({ id, pipeline: "p", command: ["true"], ...(owner === undefined ? {} : { owner }) }, at));
  return { service, put, asked, returned: () => returned };
}

const ids = (jobs: Job[]) => jobs.map((job) => job.id);

describe("PipelineJobs.list", () => {
  it("a user's listing asks the store for their jobs up to the limit: among many others' jobs, their newest two, and no one else's read", async () => {
    const { service, put, asked, returned } = setup();
    for (let i = 0; i < 5; i++) put(`mine-${i}`, 1000 + i, "me");
    for (let i = 0; i < 500; i++) put(`other-${i}`, 2000 + i, i % 2 ? "other" : undefined);
    expect(ids(await Effect.runPromise(service.list({ limit: 2 }, { userId: "me" })))).toEqual(["mine-4", "mine-3"]);
    expect(asked).toEqual([{ limit: 2, owner: "me" }]);
    expect(returned()).toBe(2);
  });

  it("a job stored without owner is LOCAL_USER_ID's; an administrator's listing and one without viewer ask for every owner's", async () => {
    const { service, put, asked } = setup();
    put("mine", 1000, "me");
    put("ownerless", 2000);
    expect(ids(await Effect.runPromise(service.list({}, { userId: LOCAL_USER_ID })))).toEqual(["ownerless"]);
    expect(ids(await Effect.runPromise(service.list({ limit: 5 }, { userId: "admin", admin: true })))).toEqual(["ownerless", "mine"]);
    expect(ids(await Effect.runPromise(service.list({ status: "pending" })))).toEqual(["ownerless", "mine"]);
    expect(asked).toEqual([{ owner: LOCAL_USER_ID }, { limit: 5 }, { status: "pending" }]);
  });
});
