import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import type { Job } from "@parallax/domain/jobs";
import type { ProcessRunner } from "../../ports/process-runner.port.js";
import { finishRun, releaseRun, type FinishDeps } from "./finish-run.js";
import type { LogWriter } from "./job-log.js";
import type { RunOutcome } from "./run-outcome.js";
import { runProcess } from "./run-process.js";
import { RunLease } from "./run-lease.js";
import type { IdGenerator } from "../../../shared/id-generator.port.js";
import type { RunWatch, WatchSettings } from "./watch-run.js";

export interface RunSettings extends WatchSettings {
  /** In [0, 1): backoff jitter. */
  readonly random: () => number;
  /** Lines kept in memory while the log store catches up; beyond, the process's output is read no faster than it is stored. */
  readonly maxBufferedLines: number;
}

export interface RunDeps extends FinishDeps {
  readonly runner: ProcessRunner;
  /** Draws each heartbeat's fresh lease token. */
  readonly ids: IdGenerator;
}

/** What a worker shares among its runs: the watch on their leases and the writer of their logs. */
export interface RunServices {
  readonly watch: RunWatch;
  readonly logs: LogWriter;
}

/**
 * Runs one claimed job to its end, in the fiber that calls it: its process with the log
 * written as it goes, watched (heartbeats, cancel requests, its timeout: `RunWatch`); then
 * the outcome recorded. The watch ends a run early by interrupting this fiber with a reason:
 * the process tree is stopped and awaited (its scope closes), then that outcome is recorded
 * (a job is never reported finished while any process of its group is still alive).
 * Interrupted without a reason (worker shutdown), the process tree stops and the job goes
 * back to the queue without spending its attempt.
 */
export function runClaimedJob(deps: RunDeps, settings: RunSettings, job: Job, services: RunServices): Effect.Effect<void> {
  return Effect.withFiber((fiber) => {
    const lease = new RunLease(job, deps.ids);
    const log = services.logs.open(job.id, settings.maxBufferedLines, () => deps.onActivity(job.id));
    log.system(`[parallax] Started ${job.pipeline} attempt ${job.attempt}/${job.maxAttempts} on worker ${lease.owner}: ${JSON.stringify(job.command)}`);
    let stoppedBy: RunOutcome | undefined;
    const watched = services.watch.watch(job, lease, (outcome) => {
      stoppedBy = outcome;
      fiber.interruptUnsafe(fiber.id);
    });
    // Data-first calls, here and on the rest of a run's path: a `pipe` of data-last ones makes a closure per step, per job.
    const ran = Effect.onExit(runProcess(deps, job, log), (exit) => {
      // Once the process is gone the watch ends nothing: the outcome is the process's.
      const unwatched = services.watch.unwatch(watched);
      if (exit._tag === "Success" || !Cause.hasInterrupts(exit.cause)) return unwatched;
      return Effect.andThen(unwatched, stoppedBy === undefined ? releaseRun(deps, job, lease, log) : finishRun(deps, settings, job, lease, stoppedBy, log));
    });
    return Effect.flatMap(ran, (outcome) => finishRun(deps, settings, job, lease, outcome, log));
  });
}
