import * as Effect from "effect/Effect";
import { Conflict, type StorageFailure } from "@parallax/domain";
import { claimHeld, isTerminal, releaseClaim, takeClaim, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../shared/clock.port.js";
import type { PipelineCatalog } from "./pipeline-catalog.js";
import type { JobStore } from "./ports/job-store.port.js";

/** How long a claim whose holder is not written yet (or not yet retried) counts as held. */
export const DEFAULT_EXCLUSIVE_GRACE_MS = 10_000;
const MAX_TRIES = 50;

const getHolder = (store: JobStore, id: string) =>
  store.get(id).pipe(
    Effect.map((job): Job | undefined => job),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
  );

/**
 * Takes the pipeline's exclusivity claim for `jobId` (to be written at `holderVersion`), or
 * fails with 409 `Job already running: <pipeline>` while another job holds it. A claim
 * whose holder already ended (its release was lost with its worker) or vanished is taken
 * over. Every write is a compare-and-set on the claim's version: of any number of
 * processes racing, exactly one takes a free claim.
 */
export function acquireExclusive(
  store: JobStore,
  pipeline: string,
  jobId: string,
  holderVersion: number,
  now: () => number,
  graceMs: number = DEFAULT_EXCLUSIVE_GRACE_MS,
): Effect.Effect<ExclusiveClaim, Conflict | StorageFailure> {
  const attempt = (triesLeft: number): Effect.Effect<ExclusiveClaim, Conflict | StorageFailure> =>
    Effect.gen(function* () {
      const current = yield* store.getExclusive(pipeline);
      if (current.holder !== null && current.holder !== jobId) {
        const holder = yield* getHolder(store, current.holder);
        if (claimHeld(current, holder, now(), graceMs)) {
          return yield* Effect.fail(new Conflict({ message: `Job already running: ${pipeline}`, details: { job_id: current.holder } }));
        }
      }
      const written = yield* store.putExclusive(takeClaim(current, jobId, holderVersion, now()), current.version).pipe(
        Effect.map((claim): ExclusiveClaim | undefined => claim),
        Effect.catchTag("VersionConflict", () => Effect.succeed(undefined)),
      );
      if (written !== undefined) return written;
      if (triesLeft <= 1) return yield* Effect.fail(new Conflict({ message: `Job already running: ${pipeline}` }));
      return yield* attempt(triesLeft - 1);
    });
  return attempt(MAX_TRIES);
}

/**
 * Frees the claim a job held once it reached a terminal state. Best effort: a claim this
 * job no longer holds is left alone, and a failed release is logged and recovered by the
 * next submitter.
 */
export function releaseExclusive(store: JobStore, job: Job, now: number): Effect.Effect<void> {
  return Effect.gen(function* () {
    const current = yield* store.getExclusive(job.pipeline);
    const released = releaseClaim(current, job, now);
    if (released !== undefined) yield* store.putExclusive(released, current.version);
  }).pipe(Effect.catch((error) => Effect.logWarning(`job ${job.id}: exclusivity claim of ${job.pipeline} not released (the next submitter takes it over)`, error)));
}

/** Frees the exclusivity claim of a job that reached a terminal state (no-op for other jobs and pipelines). */
export function releaseExclusiveOf(deps: { store: JobStore; catalog: PipelineCatalog; clock: Clock }, job: Job): Effect.Effect<void> {
  if (!isTerminal(job.status) || !deps.catalog.get(job.pipeline)?.exclusive) return Effect.void;
  return Effect.suspend(() => releaseExclusive(deps.store, job, deps.clock.now().getTime()));
}
