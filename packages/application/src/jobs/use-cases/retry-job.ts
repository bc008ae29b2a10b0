import * as Effect from "effect/Effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { isTerminal, retry, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import { acquireExclusive } from "../exclusive-claim.js";
import type { JobChanges } from "../feed/job-changes.js";
import { modifyJob } from "../modify-job.js";
import type { PipelineCatalog } from "../pipeline-catalog.js";
import type { JobStore } from "../ports/job-store.port.js";
import { illegalAsConflict } from "./cancel-job.js";
import { getJob } from "./get-job.js";

export interface RetryJobDeps {
  readonly store: JobStore;
  readonly catalog: PipelineCatalog;
  readonly clock: Clock;
  readonly changes: JobChanges;
  readonly exclusiveGraceMs: number;
}

/**
 * Queues a failed or cancelled job again (409 for one that is pending, running or completed).
 * A retried job of an exclusive pipeline takes the claim again, or 409 while another job
 * holds it. Announced on `JobChanges`.
 */
export function retryJob(deps: RetryJobDeps, id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
  const now = () => deps.clock.now().getTime();
  return Effect.gen(function* () {
    const job = yield* getJob(deps.store, id);
    if (deps.catalog.get(job.pipeline)?.exclusive && isTerminal(job.status)) {
      yield* acquireExclusive(deps.store, job.pipeline, job.id, job.version + 1, now, deps.exclusiveGraceMs);
    }
    const at = now();
    const retried = yield* illegalAsConflict(modifyJob(deps.store, id, (current) => retry(current, at)));
    yield* deps.changes.publish({ jobId: retried.id, change: "retried" });
    return retried;
  });
}
