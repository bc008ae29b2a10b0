import type { Effect } from "effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { ExclusiveClaim, Job, JobStatus, VersionConflict } from "@parallax/domain/jobs";

export interface JobQuery {
  readonly status?: JobStatus;
  readonly pipeline?: string;
  /** Newest first; at most this many. */
  readonly limit?: number;
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
