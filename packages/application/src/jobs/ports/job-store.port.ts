import type * as Effect from "effect/Effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { ExclusiveClaim, Job, JobStatus, VersionConflict } from "@parallax/domain/jobs";

export interface JobQuery {
  readonly status?: JobStatus;
  readonly pipeline?: string;
  /**
   * Only jobs whose owner is this user id; a job stored without owner counts as `LOCAL_USER_ID`'s
   * (`mayAccess`'s rule). A store applies it while reading, so a listing of one user's jobs stops
   * at `limit` of them instead of reading everyone's (`jobMatchesQuery` is the rule in full).
   */
  readonly owner?: string;
  /** Newest first; at most this many. */
  readonly limit?: number;
}

/** The queue as a worker sees it at one instant: what it could start now, and since when the longest has waited. */
export interface QueueDepth {
  /** Pending jobs due (`runAt <= now`), at most the `limit` asked for. */
  readonly due: number;
  /** The earliest `runAt` among them (when the longest-waiting became due), or null when none is due. */
  readonly oldestDueAt: number | null;
  /** More were due than `limit`: `due` is a lower bound and `oldestDueAt` the oldest among those seen. */
  readonly truncated: boolean;
}

/**
 * Durable jobs. Every write is a single-item conditional write, so a DynamoDB table
 * (condition `version = :expected`, a GSI on status + run_at for candidates) implements
 * it as well as files or memory: claims, heartbeats, finishes and cancel requests are all
 * `replace` calls that lose with VersionConflict when someone else wrote first.
 */
export interface JobStore {
  /** Stores a new job (version 1); Conflict when the id exists. */
  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure>;
  get(id: string): Effect.Effect<Job, NotFound | StorageFailure>;
  list(query?: JobQuery): Effect.Effect<Job[], StorageFailure>;
  /**
   * Jobs a worker may take at `now`, best first: pending and due, or running with an
   * expired lease. A hint: the caller re-checks each with a conditional `replace`.
   */
  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure>;
  /**
   * Counts the pending jobs due at `now` and finds the oldest, looking at no more than `limit`
   * of them (metrics, read once a minute: bounded, never a table scan; a hint like the queue).
   */
  queueDepth(now: number, limit: number): Effect.Effect<QueueDepth, StorageFailure>;
  /** Writes `next` only if the stored job still has `expectedVersion`. */
  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure>;
  /** A pipeline's exclusivity claim; `unclaimed(pipeline)` (version 0) when never written. */
  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure>;
  /**
   * Writes `next` only if the stored claim still has `expectedVersion` (0: none stored):
   * one more single-item conditional write, one item per pipeline.
   */
  putExclusive(next: ExclusiveClaim, expectedVersion: number): Effect.Effect<ExclusiveClaim, VersionConflict | StorageFailure>;
}
export const JobStore = Symbol.for("parallax.JobStore");
