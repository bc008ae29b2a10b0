import * as Effect from "effect/Effect";
import { Conflict, type NotFound, type StorageFailure } from "@parallax/domain";
import { requestCancel, type IllegalTransition, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import { releaseExclusiveOf } from "../exclusive-claim.js";
import type { JobChanges } from "../feed/job-changes.js";
import { modifyJob } from "../modify-job.js";
import type { PipelineCatalog } from "../pipeline-catalog.js";
import type { JobStore } from "../ports/job-store.port.js";
import { getJob } from "./get-job.js";

export interface CancelJobDeps {
  readonly store: JobStore;
  readonly catalog: PipelineCatalog;
  readonly clock: Clock;
  readonly changes: JobChanges;
}

/** A transition the job's state forbids (cancel a finished job, retry a running one) is a 409 for clients. */
export const illegalAsConflict = <A, E, R>(effect: Effect.Effect<A, E | IllegalTransition, R>) =>
  Effect.catchTag(effect as Effect.Effect<A, IllegalTransition, R>, "IllegalTransition", (error) =>
    Effect.fail(new Conflict({ message: error.message })),
  ) as Effect.Effect<A, Exclude<E, IllegalTransition> | Conflict, R>;

/**
 * Cancels a job: a pending one ends cancelled now (and frees its exclusivity claim); a running
 * one is marked, and the worker running it (here at once, elsewhere at its next cancel poll)
 * stops its process and ends it. 409 for a job already ended. Announced on `JobChanges`.
 */
export function cancelJob(deps: CancelJobDeps, id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
  return Effect.gen(function* () {
    yield* getJob(deps.store, id);
    const now = deps.clock.now().getTime();
    const cancelled = yield* illegalAsConflict(modifyJob(deps.store, id, (job) => requestCancel(job, now)));
    yield* releaseExclusiveOf(deps, cancelled);
    yield* deps.changes.publish({ jobId: cancelled.id, change: "cancelled" });
    return cancelled;
  });
}
