import { isTerminal, type Job } from "./job.js";

/**
 * The claim that makes a pipeline exclusive (one pending or running job at a time): one
 * record per pipeline, written only by compare-and-set on `version`, so it is as atomic
 * across processes as the store's single-item conditional write (a linked file version,
 * a DynamoDB conditional Put).
 */
export interface ExclusiveClaim {
  readonly pipeline: string;
  /** The job holding the pipeline, or null once released. */
  readonly holder: string | null;
  /** The holder's version the claim was taken for: a holder still below it is being written. */
  readonly holderVersion: number;
  /** When the claim was taken (epoch ms). */
  readonly since: number;
  /** 0 for a pipeline never claimed. */
  readonly version: number;
}

export function unclaimed(pipeline: string): ExclusiveClaim {
  return { pipeline, holder: null, holderVersion: 0, since: 0, version: 0 };
}

/**
 * Whether the claim still excludes others. The holder's own state decides, so a claim left
 * behind by a worker that died after its job ended is recovered by the next submitter:
 * - no holder: free;
 * - holder pending or running: held;
 * - holder missing, or terminal below `holderVersion`: its insert or retry is in flight,
 *   held for `graceMs` after the claim, then presumed abandoned;
 * - holder terminal otherwise: free (its release was lost).
 */
export function claimHeld(claim: ExclusiveClaim, holder: Job | undefined, now: number, graceMs: number): boolean {
  if (claim.holder === null) return false;
  const young = now - claim.since < graceMs;
  if (holder === undefined) return young;
  if (!isTerminal(holder.status)) return true;
  return holder.version < claim.holderVersion && young;
}

/** The claim after `jobId` takes it for its version `holderVersion`. */
export function takeClaim(claim: ExclusiveClaim, jobId: string, holderVersion: number, now: number): ExclusiveClaim {
  return { pipeline: claim.pipeline, holder: jobId, holderVersion, since: now, version: claim.version + 1 };
}

/**
 * The claim released by `job` after it reached a terminal state, or undefined when the
 * claim is no longer this job's (taken over, or re-taken by a retry of it, which raised
 * `holderVersion` past this terminal version).
 */
export function releaseClaim(claim: ExclusiveClaim, job: Job, now: number): ExclusiveClaim | undefined {
  if (claim.holder !== job.id || claim.holderVersion > job.version || !isTerminal(job.status)) return undefined;
  return { pipeline: claim.pipeline, holder: null, holderVersion: 0, since: now, version: claim.version + 1 };
}
