import { Effect, Result } from "effect";
import { Conflict, NotFound } from "@parallax/domain";
import { VersionConflict, claim, compareQueueOrder, isClaimable, pipelinesFileSchema, unclaimed, type ExclusiveClaim, type Job, type Transition } from "@parallax/domain/jobs";
import { strictFake } from "../testing/strict-fake.js";
import type { JobChanged, JobChanges } from "./feed/job-changes.js";
import { jobMatchesQuery } from "./job-query.js";
import { PipelineCatalog } from "./pipeline-catalog.js";
import type { JobStore } from "./ports/job-store.port.js";
import type { Workspace } from "./ports/workspace.port.js";

/**
 * Unit-test helpers of the jobs use cases. `tableJobStore` keeps jobs and claims in two Maps
 * with the port's conditional writes (versions) and nothing more: enough to state what a use
 * case reads and writes, with no adapter behind it (the adapters have their own contract suite).
 */
export function tableJobStore(): JobStore & { readonly jobs: Map<string, Job>; readonly claims: Map<string, ExclusiveClaim> } {
  const jobs = new Map<string, Job>();
  const claims = new Map<string, ExclusiveClaim>();
  const missing = (id: string) => new NotFound({ message: `Job not found: ${id}` });
  return {
    jobs,
    claims,
    insert: (job) => Effect.suspend((): Effect.Effect<Job, Conflict> => (jobs.has(job.id) ? Effect.fail(new Conflict({ message: `Job ${job.id} already exists` })) : Effect.sync(() => (jobs.set(job.id, job), job)))),
    get: (id) => Effect.suspend(() => Effect.fromNullishOr(jobs.get(id)).pipe(Effect.mapError(() => missing(id)))),
    list: (query = {}) =>
      Effect.sync(() =>
        [...jobs.values()]
          .filter((job) => jobMatchesQuery(job, query))
          .sort((a, b) => b.createdAt - a.createdAt)
          .slice(0, query.limit),
      ),
    claimCandidates: (now, limit) => Effect.sync(() => [...jobs.values()].filter((job) => isClaimable(job, now)).sort(compareQueueOrder).slice(0, limit)),
    queueDepth: (now, limit) =>
      Effect.sync(() => {
        const due = [...jobs.values()].filter((job) => job.status === "pending" && job.runAt <= now).map((job) => job.runAt);
        return { due: Math.min(due.length, limit), oldestDueAt: due.length === 0 ? null : Math.min(...due), truncated: due.length > limit };
      }),
    replace: (next, expected) =>
      Effect.suspend((): Effect.Effect<Job, NotFound | VersionConflict> => {
        const stored = jobs.get(next.id);
        if (stored === undefined) return Effect.fail(missing(next.id));
        if (stored.version !== expected) return Effect.fail(new VersionConflict({ message: `Job ${next.id} changed`, jobId: next.id }));
        return Effect.sync(() => (jobs.set(next.id, next), next));
      }),
    getExclusive: (pipeline) => Effect.sync(() => claims.get(pipeline) ?? unclaimed(pipeline)),
    putExclusive: (next, expected) =>
      Effect.suspend((): Effect.Effect<ExclusiveClaim, VersionConflict> =>
        (claims.get(next.pipeline)?.version ?? 0) === expected
          ? Effect.sync(() => (claims.set(next.pipeline, next), next))
          : Effect.fail(new VersionConflict({ message: `Claim of ${next.pipeline} changed`, jobId: next.holder ?? "" })),
      ),
  };
}

/** A catalog of the given pipelines (the pipelines-file shape, defaults filled in). */
export const catalogOf = (pipelines: unknown[]): PipelineCatalog => new PipelineCatalog(pipelinesFileSchema.parse({ pipelines }));

/** A workspace where every path is under /workspace and every glob matches `matches` files. */
export const workspaceFake = (matches = 1): Workspace =>
  strictFake<Workspace>("Workspace", { resolve: (path) => `/workspace/${path}`, countMatches: () => Effect.succeed(matches) });

/** `JobChanges` that records what was published. */
export function recordedChanges(): JobChanges & { readonly published: JobChanged[] } {
  const published: JobChanged[] = [];
  return Object.assign(strictFake<JobChanges>("JobChanges", { publish: (change) => Effect.sync(() => void published.push(change)) }), { published });
}

/** The transition's job, or the test fails. */
export function applied(transition: Transition): Job {
  if (Result.isFailure(transition)) throw new Error(`transition refused: ${transition.failure.message}`);
  return transition.success;
}

/** `job` claimed by `owner` at `now` for `leaseMs`, as a worker would write it. */
export const claimed = (job: Job, now: number, owner = "w-1", leaseMs = 30_000): Job => applied(claim(job, { owner, token: `${owner}/token`, now, leaseMs }));
