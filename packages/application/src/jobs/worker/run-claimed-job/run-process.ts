import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { runTokenOf, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../../shared/clock.port.js";
import { LEASE_TOKEN_ENV, type ProcessRunner } from "../../ports/process-runner.port.js";
import { stampNow, type JobLog } from "./job-log.js";
import type { RunOutcome } from "./run-outcome.js";

/**
 * Runs the job's process to its exit, every line it writes stamped and queued on the
 * job's log. Interrupting it stops the process group and waits until it is gone.
 */
export function runProcess(deps: { runner: ProcessRunner; clock: Clock }, job: Job, log: JobLog): Effect.Effect<RunOutcome> {
  // SpawnFailed is the only way `runToExit` fails.
  return Effect.catch(Effect.scoped(runToExit(deps, job, log)), (spawnFailed) => Effect.succeed<RunOutcome>({ kind: "spawn_failed", message: spawnFailed.message }));
}

// Module-level generator functions (`Effect.fnUntraced`) on a worker's per-job path: an
// `Effect.gen(function* …)` makes a generator function per call, which V8 makes slowly
// (microseconds each: more than a no-op job's whole queue work).
const runToExit = Effect.fnUntraced(function* (deps: { runner: ProcessRunner; clock: Clock }, job: Job, log: JobLog) {
  // The claim's token, for the whole run: a recovering worker finds orphans by it (`Lease.run`).
  const token = runTokenOf(job.lease!);
  const process = yield* deps.runner.run({ command: job.command, cwd: job.cwd, env: { ...job.env, [LEASE_TOKEN_ENV]: token } });
  // Waiting for room after each chunk is the process's backpressure: its output is read no
  // faster than its log is stored (lines are never dropped, memory stays bounded).
  yield* Stream.runForEachArray(process.lines, (lines) => {
    const timestamp = stampNow(deps.clock);
    for (const line of lines) log.add({ stream: line.stream, timestamp, message: line.message });
    return log.room;
  });
  const exited: RunOutcome = { kind: "exited", exit: yield* process.exit };
  return exited;
});
