import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import type { StorageFailure } from "@parallax/domain";
import { awaitsFollowUps, claim, expireLease, leaseExpired, type Job } from "@parallax/domain/jobs";
import type { JobStore } from "../ports/job-store.port.js";

export interface ClaimRequest {
  readonly owner: string;
  readonly token: string;
  readonly now: number;
  readonly leaseMs: number;
  /** How many candidates to look at before giving up for this round. */
  readonly scan?: number;
  /**
   * In [0, 1): where in the candidate window this claimer starts. Workers that start at
   * different places rarely race for the same job; 0 means strictly best first.
   */
  readonly spread?: number;
}

/**
 * Runs when a job's lease was found expired and the job was recovered, before it can run
 * again: `lost` is the job as its vanished worker left it (with that worker's lease).
 */
export type ExpiryHandler = (lost: Job, recovered: Job) => Effect.Effect<void>;

/**
 * Claims the best due job with a lease, or answers undefined. A running job whose lease
 * expired is first moved back to pending (recording the expiry in its history) and then
 * claimed like any other; one whose run had already succeeded is handed to
 * `onSucceededUnfinished` (queue its follow-ups, complete it) and not run again. Every
 * step is one conditional write; a lost race moves on to the next candidate, so many
 * workers in many processes can call this at once.
 */
export function claimNext(
  store: JobStore,
  request: ClaimRequest,
  onExpired?: ExpiryHandler,
  onSucceededUnfinished?: (job: Job) => Effect.Effect<void>,
): Effect.Effect<Job | undefined, StorageFailure> {
  return Effect.gen(function* () {
    const found = yield* store.claimCandidates(request.now, request.scan ?? 4);
    const start = Math.floor(Math.min(Math.max(request.spread ?? 0, 0), 0.999999) * found.length);
    const candidates = [...found.slice(start), ...found.slice(0, start)];
    for (let candidate of candidates) {
      if (leaseExpired(candidate, request.now)) {
        // Its worker died after the run succeeded, before queueing the follow-ups: finish
        // that instead of running the job again.
        if (awaitsFollowUps(candidate)) {
          if (onSucceededUnfinished) yield* onSucceededUnfinished(candidate);
          continue;
        }
        const expired = expireLease(candidate, request.now);
        if (Result.isFailure(expired)) continue;
        const recovered = yield* tryReplace(store, expired.success, candidate.version);
        if (!recovered) continue;
        if (onExpired) yield* onExpired(candidate, recovered);
        candidate = recovered;
      }
      const claimed = claim(candidate, request);
      if (Result.isFailure(claimed)) continue;
      const written = yield* tryReplace(store, claimed.success, candidate.version);
      if (written) return written;
    }
    return undefined;
  });
}

function tryReplace(store: JobStore, next: Job, expectedVersion: number): Effect.Effect<Job | undefined, StorageFailure> {
  return store.replace(next, expectedVersion).pipe(
    Effect.map((job): Job | undefined => job),
    Effect.catchTag("VersionConflict", () => Effect.succeed(undefined)),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
  );
}
