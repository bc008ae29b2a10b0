import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { IllegalTransition, Job, Transition, VersionConflict } from "@parallax/domain/jobs";
import type { JobStore } from "./ports/job-store.port.js";

export interface ModifyOptions {
  /** Tries before giving up on a job others keep writing (100). */
  readonly maxTries?: number;
  /**
   * The job as the caller last wrote or read it: tried first, without a read. A stale copy
   * costs one refused write (or a transition it refuses), then the stored job is read as usual.
   */
  readonly known?: Job;
}

/**
 * Read, apply a pure transition, conditionally write; on a lost race read again.
 * This is optimistic concurrency over single-item writes: correct across processes as
 * long as the store's `replace` is atomic.
 */
export function modifyJob(
  store: JobStore,
  id: string,
  transition: (job: Job) => Transition,
  options: ModifyOptions = {},
): Effect.Effect<Job, NotFound | StorageFailure | IllegalTransition> {
  const { known, maxTries = 100 } = options;
  if (known === undefined) return readAndWrite(store, id, transition, maxTries);
  return Effect.suspend(() => {
    const outcome = transition(known);
    // Refused or unchanged: only the stored job can tell.
    if (Result.isFailure(outcome) || outcome.success === known) return readAndWrite(store, id, transition, maxTries);
    return Effect.catchIf(store.replace(outcome.success, known.version), isLostOrGone, () => readAndWrite(store, id, transition, maxTries));
  });
}

// A module-level generator function (`Effect.fnUntraced`): every job's write goes through
// here, and an `Effect.gen(function* …)` per call costs microseconds (V8 makes each generator
// function slowly).
const readAndWrite = Effect.fnUntraced(function* (
  store: JobStore,
  id: string,
  transition: (job: Job) => Transition,
  triesLeft: number,
) {
  for (let tries = triesLeft; ; tries--) {
    const current = yield* store.get(id);
    const outcome = transition(current);
    if (Result.isFailure(outcome)) return yield* Effect.fail(outcome.failure);
    if (outcome.success === current) return current;
    const written = yield* write(store, outcome.success, current.version);
    if (written !== undefined) return written;
    if (tries <= 1) return yield* Effect.die(new Error(`Job ${id}: too many concurrent writes`));
  }
});

/** The job written, or undefined when another writer won. */
function write(store: JobStore, next: Job, expectedVersion: number): Effect.Effect<Job | undefined, NotFound | StorageFailure> {
  return Effect.catchIf(store.replace(next, expectedVersion), isLost, () => Effect.undefined);
}

const isLost = (error: { readonly _tag: string }): error is VersionConflict => error._tag === "VersionConflict";
/** Refused on a stale copy, or gone: reading again tells. */
const isLostOrGone = (error: { readonly _tag: string }): error is VersionConflict | NotFound => error._tag === "VersionConflict" || error._tag === "NotFound";
