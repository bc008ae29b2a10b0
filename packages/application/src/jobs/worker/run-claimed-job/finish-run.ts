import * as Effect from "effect/Effect";
import { complete, fail, finishCancelled, isTerminal, recordSuccess, release, type Job, type Transition } from "@parallax/domain/jobs";
import type { Clock } from "../../../shared/clock.port.js";
import { queueFollowUpsThenComplete, type SubmitFollowUp } from "../queue-follow-ups.js";
import type { JobStore } from "../../ports/job-store.port.js";
import type { LogStore } from "../../ports/log-store.port.js";
import { modifyJob } from "../../modify-job.js";
import { appendSystemLines, type JobLog } from "./job-log.js";
import { exitReason, type RunOutcome } from "./run-outcome.js";
import type { RunLease } from "./run-lease.js";

export interface FinishDeps {
  readonly store: JobStore;
  readonly logs: LogStore;
  readonly clock: Clock;
  /** Something happened to this job (lines, status): wake whoever follows it. */
  readonly onActivity: (jobId: string) => Effect.Effect<void>;
  /** Queues one of the pipelines named in `then` after a success, under the given id. */
  readonly submitFollowUp: SubmitFollowUp;
  /** The job reached a terminal state (e.g. free its pipeline's exclusivity claim). */
  readonly onTerminal: (job: Job) => Effect.Effect<void>;
}

/**
 * Writes the job's next state under this run's lease (its newest token, see `RunLease`), tried
 * first on the version the run last saw; a write that loses (another writer won, or the store
 * failed) is logged and answers undefined: the lease's next holder decides.
 */
function writeState(deps: FinishDeps, job: Job, lease: RunLease, transition: (current: Job) => Transition): Effect.Effect<Job | undefined> {
  return Effect.catch(
    Effect.tap(modifyJob(deps.store, job.id, transition, { known: lease.latest }), (written) =>
      isTerminal(written.status) ? Effect.andThen(deps.onActivity(job.id), deps.onTerminal(written)) : deps.onActivity(job.id),
    ),
    (error) => Effect.as(Effect.logWarning(`job ${job.id}: its state was not written (another writer won or the store failed)`, error), undefined),
  );
}

// The functions below are module-level generator functions (`Effect.fnUntraced`), and build no
// closures they can do without: they run for every job, where an `Effect.gen(function* …)`
// per call costs microseconds (V8 makes each generator function slowly).

/** A successful run: complete the job, or record the success, queue its follow-ups and then complete it. */
function succeed(deps: FinishDeps, job: Job, lease: RunLease): Effect.Effect<void> {
  if (job.then.length > 0) return succeedThenFollowUps(deps, job, lease);
  return writeState(deps, job, lease, (current) => complete(current, { token: lease.tokenFor(current), now: deps.clock.now().getTime(), exitCode: 0 }));
}

const succeedThenFollowUps = Effect.fnUntraced(function* (deps: FinishDeps, job: Job, lease: RunLease) {
  // Recorded first, so follow-ups are queued again (not lost) if this worker dies now.
  const succeeded = yield* writeState(deps, job, lease, (current) => recordSuccess(current, { token: lease.tokenFor(current), now: deps.clock.now().getTime(), exitCode: 0 }));
  if (succeeded === undefined) return;
  const { notes, completed } = yield* queueFollowUpsThenComplete({ store: deps.store, submitFollowUp: deps.submitFollowUp, now: () => deps.clock.now().getTime() }, succeeded);
  yield* appendSystemLines(deps, job.id, notes.map((note) => `[parallax] ${note}`));
  if (completed) yield* Effect.andThen(deps.onActivity(job.id), deps.onTerminal(completed));
});

/** The line the log gets for an outcome, and the transition it leads to (none: the lease was lost). */
function conclusion(deps: FinishDeps, job: Job, lease: RunLease, outcome: RunOutcome, settings: { random: () => number }): { note: string; transition?: (current: Job) => Transition } {
  const failed = (reason: string, exitCode: number | null) => (current: Job) =>
    fail(current, { token: lease.tokenFor(current), now: deps.clock.now().getTime(), reason, exitCode, random: settings.random() });
  switch (outcome.kind) {
    case "exited": {
      const reason = exitReason(outcome.exit);
      return { note: `[parallax] ${reason}`, transition: failed(reason, outcome.exit.exitCode) };
    }
    case "timeout": {
      const reason = `Timed out after ${job.timeoutMs! / 1000} s`;
      return { note: `[parallax] ${reason}: process group stopped`, transition: failed(reason, null) };
    }
    case "spawn_failed": {
      const reason = `Failed to start: ${outcome.message}`;
      return { note: `[parallax] ${reason}`, transition: failed(reason, null) };
    }
    case "cancelled":
      return {
        note: "[parallax] Cancelled: process group stopped",
        transition: (current) => finishCancelled(current, { token: lease.tokenFor(current), now: deps.clock.now().getTime(), exitCode: null }),
      };
    case "lease_lost":
      return { note: `[parallax] Lease lost (${outcome.reason}): process group stopped` };
  }
}

/**
 * Ends a run whose process is gone: its last log line, the log stored in full, then the
 * job's state. The log goes first, so whoever sees the job ended finds all of its lines.
 */
export const finishRun = Effect.fnUntraced(function* (deps: FinishDeps, settings: { random: () => number }, job: Job, lease: RunLease, outcome: RunOutcome, log: JobLog) {
  if (outcome.kind === "exited" && outcome.exit.exitCode === 0) {
    log.system(`[parallax] ${job.pipeline} completed (attempt ${job.attempt}, worker ${lease.owner})`);
    yield* log.close;
    return yield* succeed(deps, job, lease);
  }
  const { note, transition } = conclusion(deps, job, lease, outcome, settings);
  log.system(note);
  yield* log.close;
  if (transition) yield* writeState(deps, job, lease, transition);
});

/** A run interrupted by its worker stopping: the job goes back to the queue, its attempt not spent. */
export const releaseRun = Effect.fnUntraced(function* (deps: FinishDeps, job: Job, lease: RunLease, log: JobLog) {
  const { owner } = lease;
  log.system(`[parallax] Worker ${owner} stopping: job released`);
  yield* log.close;
  yield* writeState(deps, job, lease, (current) => release(current, { token: lease.tokenFor(current), now: deps.clock.now().getTime(), reason: `worker ${owner} stopped` }));
});
