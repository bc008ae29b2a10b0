import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { IllegalTransition, Job, Transition } from "@parallax/domain/jobs";
import type { JobStore } from "./ports/job-store.port.js";

/**
 * Read, apply a pure transition, conditionally write; on a lost race read again.
 * This is optimistic concurrency over single-item writes: correct across processes as
 * long as the store's `replace` is atomic.
 */
export function modifyJob(
  store: JobStore,
  id: string,
  transition: (job: Job) => Transition,
  maxTries = 100,
): Effect.Effect<Job, NotFound | StorageFailure | IllegalTransition> {
  const attempt = (triesLeft: number): Effect.Effect<Job, NotFound | StorageFailure | IllegalTransition> =>
    Effect.gen(function* () {
      const current = yield* store.get(id);
      const outcome = transition(current);
      if (Result.isFailure(outcome)) return yield* Effect.fail(outcome.failure);
      if (outcome.success === current) return current;
      const written = yield* store.replace(outcome.success, current.version).pipe(
        Effect.map((job): Job | undefined => job),
        Effect.catchTag("VersionConflict", () => Effect.succeed(undefined)),
      );
      if (written !== undefined) return written;
      if (triesLeft <= 1) return yield* Effect.die(new Error(`Job ${id}: too many concurrent writes`));
      return yield* attempt(triesLeft - 1);
    });
  return attempt(maxTries);
}
