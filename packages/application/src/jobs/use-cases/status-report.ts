import * as Effect from "effect/Effect";
import type { StorageFailure, Viewer } from "@parallax/domain";
import { jsonProbeValue, toJobView, type Job, type JobView, type Probe } from "@parallax/domain/jobs";
import { clientJobView } from "./job-chain.js";
import type { PipelineJobs } from "./pipeline-jobs.js";
import type { PipelineCatalog } from "../pipeline-catalog.js";
import type { Workspace } from "../ports/workspace.port.js";

export const RECENT_JOBS = 10;

/** Evaluates one configured probe against the workspace. */
export function evaluateProbe(workspace: Workspace, probe: Probe): Effect.Effect<unknown, StorageFailure> {
  switch (probe.type) {
    case "count":
      return workspace.countMatches(probe.glob);
    case "exists":
      return workspace.exists(probe.path);
    case "json":
      return workspace.readJson(probe.path).pipe(Effect.map((document) => jsonProbeValue(probe, document)));
  }
}

export function jobView(service: PipelineJobs, job: Job): Effect.Effect<JobView, StorageFailure> {
  return service.outputTail(job.id).pipe(Effect.map((output) => toJobView(job, output)));
}

/** `GET /api/status`: every configured probe, the running job and the ten most recent (those `viewer` may see), as §C's clients read jobs. */
export function statusReport(service: PipelineJobs, catalog: PipelineCatalog, workspace: Workspace, viewer?: Viewer): Effect.Effect<Record<string, unknown>, StorageFailure> {
  return Effect.gen(function* () {
    const report: Record<string, unknown> = {};
    const probes = Object.entries(catalog.file.status);
    const values = yield* Effect.forEach(probes, ([, probe]) => evaluateProbe(workspace, probe), { concurrency: 4 });
    probes.forEach(([name], index) => {
      report[name] = values[index];
    });
    const current = yield* service.current(viewer);
    report["current_job"] = current ? yield* clientJobView(service, current) : null;
    const recent = yield* service.list({ limit: RECENT_JOBS }, viewer);
    report["recent_jobs"] = yield* Effect.forEach(recent, (job) => clientJobView(service, job));
    return report;
  });
}
