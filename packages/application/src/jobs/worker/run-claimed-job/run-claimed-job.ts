import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import type { Job } from "@parallax/domain/jobs";
import type { ProcessRunner } from "../../ports/process-runner.port.js";
import type { Wakeup } from "../../wakeup.js";
import { finishRun, releaseRun, type FinishDeps } from "./finish-run.js";
import { openJobLog } from "./job-log.js";
import type { RunOutcome } from "./run-outcome.js";
import { runProcess } from "./run-process.js";
import { RunLease } from "./run-lease.js";
import type { IdGenerator } from "../../../shared/id-generator.port.js";
import { watchRun, type WatchSettings } from "./watch-run.js";

export interface RunSettings extends WatchSettings {
  /** In [0, 1): backoff jitter. */
  readonly random: () => number;
  /** Lines kept in memory while the log store catches up; beyond, lines are counted and dropped. */
  readonly maxBufferedLines: number;
}

export interface RunDeps extends FinishDeps {
  readonly runner: ProcessRunner;
  /** Draws each heartbeat's fresh lease token. */
  readonly ids: IdGenerator;
}

const timeoutOf = (job: Job): Effect.Effect<RunOutcome> => (job.timeoutMs === null ? Effect.never : Effect.as(Effect.sleep(job.timeoutMs), { kind: "timeout" }));

/**
 * Runs one claimed job to its end: its process with the log written as it goes, the
 * watch on its lease (heartbeats, cancel requests), its timeout; then the outcome
 * recorded. Interrupting the returned effect (worker shutdown) stops the process tree and
 * gives the job back to the queue without spending its attempt.
 */
export function runClaimedJob(deps: RunDeps, settings: RunSettings, job: Job, poke: Wakeup): Effect.Effect<void> {
  const { owner, token } = job.lease!;
  return Effect.scoped(
    Effect.gen(function* () {
      const lease = new RunLease(owner, token, deps.ids);
      const log = yield* openJobLog({ logs: deps.logs, clock: deps.clock, onStored: () => deps.onActivity(job.id) }, job.id, settings.maxBufferedLines);
      log.system(`[parallax] Started ${job.pipeline} attempt ${job.attempt}/${job.maxAttempts} on worker ${owner}: ${JSON.stringify(job.command)}`);
      const running = yield* Effect.forkChild(runProcess(deps, job, log));
      const watcher = yield* Effect.forkChild(watchRun(deps, settings, job, lease, poke));
      // The process is stopped explicitly and awaited (a race only abandons its losers): a
      // job is never reported finished while any process of its group is still alive.
      const stopAll = Effect.andThen(Fiber.interrupt(watcher), Fiber.interrupt(running));
      const outcome = yield* Effect.raceAll([Fiber.join(running), Fiber.join(watcher), timeoutOf(job)]).pipe(
        Effect.onInterrupt(() => Effect.andThen(stopAll, releaseRun(deps, job, lease, log))),
      );
      yield* stopAll;
      yield* finishRun(deps, settings, job, lease, outcome, log);
    }),
  );
}
