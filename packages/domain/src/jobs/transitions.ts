import * as Result from "effect/Result";
import { backoffDelayMs } from "./backoff.js";
import { IllegalTransition } from "./errors.js";
import { isTerminal, leaseExpired, type Job, type JobEvent, type Lease } from "./job.js";

/**
 * The job state machine: pending → running → completed | failed | cancelled, with retries
 * back to pending. Each move is a pure function of the job and its inputs that returns the
 * next job (version + 1) or refuses with IllegalTransition. Stores only persist the result.
 */
export type Transition = Result.Result<Job, IllegalTransition>;

function refuse(job: Job, message: string): Transition {
  return Result.fail(new IllegalTransition({ message, jobId: job.id, from: job.status }));
}

// One clone of the job (V8 copies a lone spread by its shape) with the changes assigned over
// it: a second spread in the same literal copies property by property, at twice the cost.
function next(job: Job, now: number, changes: Partial<Job>, event?: Omit<JobEvent, "at">): Transition {
  const moved: Job = Object.assign({ ...job, updatedAt: now, version: job.version + 1 }, changes);
  if (event) (moved as { history: readonly JobEvent[] }).history = [...job.history, { at: now, ...event }];
  return Result.succeed(moved);
}

function holdsLease(job: Job, token: string): boolean {
  return job.status === "running" && job.lease !== null && job.lease.token === token;
}

function leaseRefusal(job: Job): Transition {
  if (job.status !== "running") return refuse(job, `Job ${job.id} is ${job.status}, not running`);
  return refuse(job, `Job ${job.id} is leased to ${job.lease?.owner ?? "nobody"}`);
}

export interface ClaimInput {
  readonly owner: string;
  readonly token: string;
  readonly now: number;
  readonly leaseMs: number;
}

export function claim(job: Job, { owner, token, now, leaseMs }: ClaimInput): Transition {
  if (job.status !== "pending") return refuse(job, `Job ${job.id} is ${job.status}, not pending`);
  if (job.runAt > now) return refuse(job, `Job ${job.id} is not due before ${new Date(job.runAt).toISOString()}`);
  if (job.cancelRequested) return refuse(job, `Job ${job.id} is being cancelled`);
  const lease: Lease = { owner, token, run: token, expiresAt: now + leaseMs };
  const attempt = job.attempt + 1;
  return next(
    job,
    now,
    { status: "running", attempt, runs: job.runs + 1, lease, startedAt: now, completedAt: null, exitCode: null, succeededAt: null, error: null },
    { kind: "started", attempt, worker: owner },
  );
}

export interface HeartbeatInput {
  readonly token: string;
  /** The token the renewed lease carries from now on (fresh and random: the caller draws it, so this stays pure). */
  readonly nextToken: string;
  readonly now: number;
  readonly leaseMs: number;
}

/**
 * Renews the lease and rotates its token: only the write carrying `nextToken` counts as the
 * holder afterwards, so a stale copy of the lease (a partitioned worker's) is refused like a
 * lost one even when the same owner holds the lease again.
 */
export function heartbeat(job: Job, { token, nextToken, now, leaseMs }: HeartbeatInput): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  const lease = job.lease!;
  return next(job, now, { lease: { ...lease, run: lease.run ?? lease.token, token: nextToken, expiresAt: now + leaseMs } });
}

export function complete(job: Job, { token, now, exitCode }: { token: string; now: number; exitCode: number }): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  return next(
    job,
    now,
    { status: "completed", completedAt: now, exitCode, succeededAt: null, error: null, lease: null },
    { kind: "completed", attempt: job.attempt, worker: job.lease!.owner },
  );
}

/**
 * The process exited 0 and the job has follow-ups: record the success but keep the lease
 * until they are queued (see `Job.succeededAt`). A job without follow-ups completes at once.
 */
export function recordSuccess(job: Job, { token, now, exitCode }: { token: string; now: number; exitCode: number }): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  if (job.succeededAt != null) return Result.succeed(job);
  return next(job, now, { succeededAt: now, exitCode }, { kind: "succeeded", attempt: job.attempt, worker: job.lease!.owner });
}

export interface FailInput {
  readonly token: string;
  readonly now: number;
  readonly reason: string;
  readonly exitCode: number | null;
  /** In [0, 1): the jitter of the retry delay, passed in so the function stays pure. */
  readonly random: number;
}

/** A counted failure: retried after a backoff while attempts remain, else `failed`. */
export function fail(job: Job, { token, now, reason, exitCode, random }: FailInput): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  const worker = job.lease!.owner;
  if (job.attempt < job.maxAttempts && !job.cancelRequested) {
    const delay = backoffDelayMs(job.backoff, job.attempt, random);
    return next(
      job,
      now,
      { status: "pending", runAt: now + delay, lease: null, exitCode, error: reason },
      { kind: "retry_scheduled", attempt: job.attempt, worker, reason: `${reason}; retry in ${delay} ms` },
    );
  }
  // §C clients match the error text exactly (`Process exited with code N`); how many attempts
  // were made is in `attempt` and in the history, not in the message.
  return next(
    job,
    now,
    { status: "failed", completedAt: now, exitCode, error: reason, lease: null },
    { kind: "failed", attempt: job.attempt, worker, reason },
  );
}

export function finishCancelled(job: Job, { token, now, exitCode }: { token: string; now: number; exitCode: number | null }): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  return next(
    job,
    now,
    { status: "cancelled", completedAt: now, exitCode, error: "Cancelled", lease: null },
    { kind: "cancelled", attempt: job.attempt, worker: job.lease!.owner, reason: "cancel requested" },
  );
}

/** A worker that stops gives its job back without spending an attempt. */
export function release(job: Job, { token, now, reason }: { token: string; now: number; reason: string }): Transition {
  if (!holdsLease(job, token)) return leaseRefusal(job);
  const worker = job.lease!.owner;
  if (job.cancelRequested) {
    return next(job, now, { status: "cancelled", completedAt: now, error: "Cancelled", lease: null }, { kind: "cancelled", attempt: job.attempt, worker, reason });
  }
  return next(job, now, { status: "pending", attempt: job.attempt - 1, runAt: now, lease: null }, { kind: "released", attempt: job.attempt, worker, reason });
}

/** Recovers a job whose worker stopped renewing its lease (killed, frozen, partitioned). */
export function expireLease(job: Job, now: number): Transition {
  if (!leaseExpired(job, now)) return refuse(job, `Job ${job.id} holds no expired lease`);
  // Running it again would repeat a run that succeeded: its follow-ups are queued instead.
  if (job.succeededAt != null) return refuse(job, `Job ${job.id} succeeded; its follow-ups are still to be queued`);
  const lease = job.lease!;
  const stalls = job.stalls + 1;
  const reason = `lease of ${lease.owner} expired at ${new Date(lease.expiresAt).toISOString()}`;
  const base = { kind: "lease_expired" as const, attempt: job.attempt, worker: lease.owner, reason };
  if (job.cancelRequested) {
    return next(job, now, { status: "cancelled", stalls, completedAt: now, error: "Cancelled", lease: null }, base);
  }
  if (stalls > job.maxStalls) {
    const error = `Worker lost ${stalls} times (${reason})`;
    return next(job, now, { status: "failed", stalls, completedAt: now, error, lease: null }, { ...base, reason: error });
  }
  return next(job, now, { status: "pending", stalls, attempt: job.attempt - 1, runAt: now, lease: null }, base);
}

/** Pending jobs are cancelled at once; a running job is flagged and its worker stops it. */
export function requestCancel(job: Job, now: number): Transition {
  if (isTerminal(job.status)) return refuse(job, `Job is already ${job.status}`);
  if (job.status === "pending") {
    return next(job, now, { status: "cancelled", cancelRequested: true, completedAt: now, error: "Cancelled" }, { kind: "cancelled", attempt: job.attempt, reason: "cancelled before start" });
  }
  if (job.cancelRequested) return Result.succeed(job);
  return next(job, now, { cancelRequested: true }, { kind: "cancel_requested", attempt: job.attempt });
}

/** Puts a failed or cancelled job back in the queue with fresh attempts. */
export function retry(job: Job, now: number): Transition {
  if (job.status !== "failed" && job.status !== "cancelled") return refuse(job, `Only failed or cancelled jobs can be retried; job is ${job.status}`);
  return next(
    job,
    now,
    { status: "pending", attempt: 0, stalls: 0, runAt: now, cancelRequested: false, error: null, exitCode: null, completedAt: null, lease: null },
    { kind: "retried", attempt: 0 },
  );
}
