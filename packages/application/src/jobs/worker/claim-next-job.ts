import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import type { NotFound, StorageFailure } from "@parallax/domain";
import { awaitsFollowUps, claim, expireLease, leaseExpired, type Job, type VersionConflict } from "@parallax/domain/jobs";
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

/** A claim of up to `limit` jobs at once, each under a token of its own. */
export interface BatchClaimRequest extends Omit<ClaimRequest, "token"> {
  readonly limit: number;
  /** The lease token of the next job claimed (a run's processes carry it: one per job). */
  readonly nextToken: () => string;
}

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
  return Effect.map(claimDue(store, { ...request, limit: 1, nextToken: () => request.token }, onExpired, onSucceededUnfinished), (claimed) => claimed[0]);
}

/**
 * `claimNext` for up to `request.limit` jobs from one read of the candidates (a worker with
 * several free slots fills them in one pass), best first: the jobs claimed, maybe none.
 * (A module-level generator function, `Effect.fnUntraced`: an `Effect.gen(function* …)` per
 * call costs microseconds, as V8 makes each generator function slowly.)
 */
export const claimDue = Effect.fnUntraced(function* (
  store: JobStore,
  request: BatchClaimRequest,
  onExpired?: ExpiryHandler,
  onSucceededUnfinished?: (job: Job) => Effect.Effect<void>,
) {
  const claimedJobs: Job[] = [];
  const found = yield* store.claimCandidates(request.now, Math.max(request.scan ?? 4, request.limit));
  const start = Math.floor(Math.min(Math.max(request.spread ?? 0, 0), 0.999999) * found.length);
  // A copy: a recovered candidate takes its place below.
  const candidates = [...found.slice(start), ...found.slice(0, start)];
  // Drawn when needed and kept until a claim is computed: a job the domain refuses does not use one up.
  let token: string | undefined;
  let next = 0;
  while (claimedJobs.length < request.limit && next < candidates.length) {
    const candidate = candidates[next]!;
    if (leaseExpired(candidate, request.now)) {
      next++;
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
      // Pending again: claimed below like the due candidates that follow it.
      candidates[--next] = recovered;
    }
    // The due candidates that follow, as many as slots are left, written at once: a store that
    // commits a turn's writes together (SQLite) commits them in one transaction. A lost race
    // only leaves its slot to the next round.
    const writes: Array<Effect.Effect<Job | undefined, StorageFailure>> = [];
    while (next < candidates.length && writes.length < request.limit - claimedJobs.length && !leaseExpired(candidates[next]!, request.now)) {
      const due = candidates[next++]!;
      token ??= request.nextToken();
      const claimed = claim(due, { owner: request.owner, token, now: request.now, leaseMs: request.leaseMs });
      if (Result.isFailure(claimed)) continue;
      writes.push(tryReplace(store, claimed.success, due.version));
      token = undefined;
    }
    const written = writes.length === 1 ? [yield* writes[0]!] : yield* Effect.all(writes, { concurrency: "unbounded" });
    for (const job of written) if (job) claimedJobs.push(job);
  }
  return claimedJobs;
});

/** The job written, or undefined when someone else wrote it first (or it is gone). */
function tryReplace(store: JobStore, next: Job, expectedVersion: number): Effect.Effect<Job | undefined, StorageFailure> {
  return Effect.catchIf(store.replace(next, expectedVersion), isLostRace, () => Effect.undefined);
}

const isLostRace = (error: { readonly _tag: string }): error is VersionConflict | NotFound => error._tag === "VersionConflict" || error._tag === "NotFound";
