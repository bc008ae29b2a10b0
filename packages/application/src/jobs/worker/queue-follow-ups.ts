import * as Effect from "effect/Effect";
import { awaitsFollowUps, complete, followUpJobId, type Job } from "@parallax/domain/jobs";
import type { JobStore } from "../ports/job-store.port.js";
import { modifyJob } from "../modify-job.js";

/**
 * Queues one follow-up as the job with id `id` (create if absent) and says what happened
 * in one log line. Never fails: a follow-up refused by its own rules (precondition, 409)
 * is reported, not retried.
 */
export type SubmitFollowUp = (name: string, parent: Job, id: string) => Effect.Effect<string>;

export interface FollowUpDeps {
  readonly store: JobStore;
  readonly submitFollowUp: SubmitFollowUp;
  readonly now: () => number;
}

/**
 * The second half of a successful run with follow-ups: queue each `then` pipeline under
 * its deterministic id, then complete the parent. The parent stays leased and `running`
 * until then, so if this is cut short (worker killed), its lease expires and whoever
 * recovers it calls this again: follow-ups already queued are found, not duplicated, and
 * the parent's process is not run again. Answers the log notes and the completed job
 * (undefined when someone else completed it first).
 */
export function queueFollowUpsThenComplete(deps: FollowUpDeps, job: Job): Effect.Effect<{ notes: string[]; completed: Job | undefined }> {
  return Effect.gen(function* () {
    const notes: string[] = [];
    if (!awaitsFollowUps(job)) return { notes, completed: undefined };
    const token = job.lease!.token;
    for (const [index, name] of job.then.entries()) {
      notes.push(yield* deps.submitFollowUp(name, job, followUpJobId(job.id, index, name)));
    }
    const completed = yield* modifyJob(deps.store, job.id, (current) => complete(current, { token, now: deps.now(), exitCode: job.exitCode ?? 0 }), { known: job }).pipe(
      Effect.map((written): Job | undefined => written),
      Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: follow-ups queued but not completed here (another worker completed it, or the store failed)`, error), undefined)),
    );
    return { notes, completed };
  });
}
