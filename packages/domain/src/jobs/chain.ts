import { followUpJobId } from "./follow-ups.js";
import { isTerminal, type Job, type JobStatus } from "./job.js";
import { toJobView, type JobView } from "./job-view.js";

/**
 * A chain is a job and the follow-ups its success queued (`then`), transitively. The
 * annotation UI starts one job and waits for one end, and old clients poll one id until it
 * reads `completed` or `failed`: so §C reads a chain as one job (apply-annotations and the
 * verify it queues end once), while the generic jobs API shows every job on its own.
 */

/** A chain longer than this (a pipeline that follows itself) reads job by job. */
export const MAX_CHAIN_JOBS = 32;

/** The ids a completed job's follow-ups were queued under, in `then` order (a refused one never exists). */
export function followUpIds(job: Job): string[] {
  return job.status === "completed" ? job.then.map((name, index) => followUpJobId(job.id, index, name)) : [];
}

export interface ChainState {
  /** Never `cancelled`: old clients wait for `completed` or `failed` and know nothing else. */
  readonly status: JobStatus;
  readonly error: string | null;
  readonly exitCode: number | null;
  readonly completedAt: number | null;
}

/**
 * How a chain (the asked-about job first) reads as one job: as its first job until that
 * ends; running while a follow-up has not ended; then failed with the first failure's
 * error (a cancelled job is a failure whose error says it was cancelled), else completed.
 */
export function chainState(chain: readonly [Job, ...Job[]]): ChainState {
  const [first] = chain;
  const own = { status: first.status, error: first.error, exitCode: first.exitCode, completedAt: first.completedAt };
  if (!isTerminal(first.status)) return own;
  if (chain.some((job) => !isTerminal(job.status))) return { status: "running", error: null, exitCode: null, completedAt: null };
  const completedAt = Math.max(...chain.map((job) => job.completedAt ?? 0));
  const failure = chain.find((job) => job.status !== "completed");
  if (failure === undefined) return { ...own, completedAt };
  const error = failure.status === "cancelled" ? `Cancelled${failure === first ? "" : ` (${failure.pipeline})`}` : failure.error;
  return { status: "failed", error: error ?? `${failure.pipeline} failed`, exitCode: failure.exitCode, completedAt };
}

/** §C's job: the chain's first job, with the state of the whole chain and the output of all of it. */
export function toClientJobView(chain: readonly [Job, ...Job[]], output: readonly string[] = []): JobView {
  const state = chainState(chain);
  return {
    ...toJobView(chain[0], output),
    status: state.status,
    completed_at: state.completedAt === null ? null : new Date(state.completedAt).toISOString(),
    exit_code: state.exitCode,
    error: state.error,
  };
}
