/**
 * A job: one run request of a named pipeline, with its state machine data.
 * Times are epoch milliseconds; the HTTP view turns them into ISO strings.
 * `version` grows by one on every stored change so stores can do single-item
 * conditional writes (compare-and-set), the only primitive a DynamoDB table offers.
 */
import { LOCAL_USER_ID } from "../shared/owner.js";

export type JobStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["completed", "failed", "cancelled"]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export interface Lease {
  readonly owner: string;
  /**
   * Proves the holder: every write under the lease names it, and each heartbeat replaces it
   * with a fresh one, so a worker that was partitioned while its lease was taken over (and
   * maybe re-taken) holds a token no live lease carries.
   */
  readonly token: string;
  /**
   * The claim's token, kept for the whole run while `token` rotates: the run's processes carry
   * it in their environment, so a recovering worker finds the orphans by it. Absent on leases
   * stored before tokens rotated, whose token never changed.
   */
  readonly run?: string;
  readonly expiresAt: number;
}

/** What a run's processes were started with: the claim's token (see `Lease.run`). */
export function runTokenOf(lease: Lease): string {
  return lease.run ?? lease.token;
}

export type JobEventKind =
  | "submitted"
  | "started"
  | "succeeded"
  | "heartbeat_lost"
  | "lease_expired"
  | "retry_scheduled"
  | "released"
  | "cancel_requested"
  | "completed"
  | "failed"
  | "cancelled"
  | "retried";

/** The job's own history: every run beyond the first is explained by an entry here. */
export interface JobEvent {
  readonly at: number;
  readonly kind: JobEventKind;
  readonly attempt: number;
  readonly worker?: string;
  readonly reason?: string;
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export type ParamValue = string | number | boolean;

export interface Job {
  readonly id: string;
  readonly pipeline: string;
  readonly command: readonly string[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number | null;
  readonly then: readonly string[];
  /**
   * The job whose success queued this one as a follow-up; null for a job a client submitted.
   * §C reads a job and its follow-ups as one (see `chain.ts`), which needs the way back up.
   * Absent in older documents.
   */
  readonly triggeredBy?: string | null;
  /** The user who submitted it (a follow-up: the user who submitted the first job). Absent in older documents: `local`'s. */
  readonly owner?: string;
  readonly status: JobStatus;
  readonly priority: number;
  /** Counted attempts (failures and the current run); a lost lease or a release gives its attempt back. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Every process start, counted or not. */
  readonly runs: number;
  /** Runs whose worker vanished (lease expired); bounded so a job that kills its worker cannot loop forever. */
  readonly stalls: number;
  readonly maxStalls: number;
  readonly backoff: BackoffPolicy;
  readonly runAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly exitCode: number | null;
  /**
   * When the process of the current run exited 0 while the job still has follow-ups to
   * queue: the job stays `running` (leased) until they are queued, so a worker dying in
   * between leaves a job whose lease expires and whose recovery queues them, instead of
   * a `completed` job whose follow-ups nobody will ever queue. Absent in older documents.
   */
  readonly succeededAt?: number | null;
  readonly error: string | null;
  readonly lease: Lease | null;
  readonly cancelRequested: boolean;
  readonly version: number;
  readonly history: readonly JobEvent[];
}

export interface NewJob {
  readonly id: string;
  readonly pipeline: string;
  readonly command: readonly string[];
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number | null;
  readonly then?: readonly string[];
  readonly triggeredBy?: string;
  readonly owner?: string;
  readonly priority?: number;
  readonly maxAttempts?: number;
  readonly maxStalls?: number;
  readonly backoff?: BackoffPolicy;
  /** Earliest start; defaults to `now`. */
  readonly runAt?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };
export const DEFAULT_MAX_STALLS = 5;

export function createJob(input: NewJob, now: number): Job {
  if (input.command.length === 0) throw new RangeError("A job needs a command");
  return {
    id: input.id,
    pipeline: input.pipeline,
    command: [...input.command],
    params: { ...(input.params ?? {}) },
    cwd: input.cwd ?? ".",
    env: { ...(input.env ?? {}) },
    timeoutMs: input.timeoutMs ?? null,
    then: [...(input.then ?? [])],
    triggeredBy: input.triggeredBy ?? null,
    // No owner means the local user's, so that one is not written (jobs stay as they were with AUTH=none).
    ...(input.owner === undefined || input.owner === LOCAL_USER_ID ? {} : { owner: input.owner }),
    status: "pending",
    priority: input.priority ?? 0,
    attempt: 0,
    maxAttempts: Math.max(1, input.maxAttempts ?? 1),
    runs: 0,
    stalls: 0,
    maxStalls: input.maxStalls ?? DEFAULT_MAX_STALLS,
    backoff: input.backoff ?? DEFAULT_BACKOFF,
    runAt: input.runAt ?? now,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    completedAt: null,
    exitCode: null,
    succeededAt: null,
    error: null,
    lease: null,
    cancelRequested: false,
    version: 1,
    history: [{ at: now, kind: "submitted", attempt: 0 }],
  };
}

export function leaseExpired(job: Job, now: number): boolean {
  return job.status === "running" && job.lease !== null && job.lease.expiresAt <= now;
}

/** Pending and due, or running on a lease nobody renewed: what a worker may take. */
export function isClaimable(job: Job, now: number): boolean {
  return (job.status === "pending" && job.runAt <= now) || leaseExpired(job, now);
}

/** Queue order: higher priority first, then earlier `runAt`, then older jobs. */
export function compareQueueOrder(a: Job, b: Job): number {
  return b.priority - a.priority || a.runAt - b.runAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The process of the current run succeeded; only queueing its follow-ups remains. */
export function awaitsFollowUps(job: Job): boolean {
  return job.status === "running" && job.succeededAt != null;
}
