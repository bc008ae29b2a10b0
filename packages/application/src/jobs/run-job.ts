import { Deferred, Effect, Fiber } from "effect";
import {
  complete,
  fail,
  finishCancelled,
  heartbeat,
  isTerminal,
  recordSuccess,
  release,
  type Job,
  type Transition,
} from "@parallax/domain/jobs";
import type { Clock } from "../shared/clock.port.js";
import { queueFollowUpsThenComplete, type SubmitFollowUp } from "./follow-ups.js";
import type { JobStore } from "./job-store.port.js";
import type { LogEntry, LogStore } from "./log-store.port.js";
import { modifyJob } from "./modify-job.js";
import { LEASE_TOKEN_ENV, type ProcessExit, type ProcessRunner } from "./process-runner.port.js";
import { Wakeup } from "./wakeup.js";

export interface RunSettings {
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** How often a running job re-reads the store for a cancel request from another process. */
  readonly cancelPollMs: number;
  /** In [0, 1): backoff jitter. */
  readonly random: () => number;
  /** Lines kept in memory while the log store catches up; beyond, lines are counted and dropped. */
  readonly maxBufferedLines: number;
}

export interface RunDeps {
  readonly store: JobStore;
  readonly logs: LogStore;
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  /** Something happened to this job (lines, status): wake the local live feed. */
  readonly onActivity: (jobId: string) => void;
  /** Queues one of the pipelines named in `then` after a success, under the given id. */
  readonly submitFollowUp: SubmitFollowUp;
  /** The job reached a terminal state (e.g. free its pipeline's exclusivity claim). */
  readonly onTerminal?: (job: Job) => Effect.Effect<void>;
}

type Outcome =
  | { kind: "exited"; exit: ProcessExit }
  | { kind: "timeout" }
  | { kind: "spawn_failed"; message: string }
  | { kind: "cancelled" }
  | { kind: "lease_lost"; reason: string };

export function exitReason(exit: ProcessExit): string {
  return exit.exitCode === null ? `Process killed by signal ${exit.signal ?? "unknown"}` : `Process exited with code ${exit.exitCode}`;
}

/**
 * Runs one claimed job to its end: the process, its log lines, heartbeats, timeout and
 * cancel requests. Interrupting the returned effect (worker shutdown) stops the process
 * tree and gives the job back to the queue without spending its attempt.
 */
export function runClaimedJob(deps: RunDeps, settings: RunSettings, job: Job, poke: Wakeup): Effect.Effect<void> {
  const token = job.lease!.token;
  const owner = job.lease!.owner;
  const now = () => deps.clock.now().getTime();
  const buffer: LogEntry[] = [];
  let dropped = 0;
  const flushWake = new Wakeup();

  const push = (entry: LogEntry) => {
    if (buffer.length >= settings.maxBufferedLines) {
      dropped++;
      return;
    }
    buffer.push(entry);
    if (buffer.length >= 256) flushWake.notify();
  };
  const system = (message: string) => push({ stream: "system", timestamp: deps.clock.now().toISOString(), message });

  const flush = Effect.suspend(() => {
    if (dropped > 0) {
      buffer.push({ stream: "system", timestamp: deps.clock.now().toISOString(), message: `[parallax] ${dropped} lines dropped: log store too slow` });
      dropped = 0;
    }
    if (buffer.length === 0) return Effect.void;
    const batch = buffer.splice(0, buffer.length);
    return deps.logs.append(job.id, batch).pipe(
      Effect.tap(() => Effect.sync(() => deps.onActivity(job.id))),
      Effect.asVoid,
      Effect.catch((error) => Effect.logWarning(`job ${job.id}: ${batch.length} log lines not stored`, error)),
    );
  });
  const flusher = Effect.forever(Effect.andThen(flushWake.wait(50), flush));

  const write = (transition: (current: Job) => Transition) =>
    modifyJob(deps.store, job.id, transition).pipe(
      Effect.tap((written) => Effect.andThen(Effect.sync(() => deps.onActivity(job.id)), isTerminal(written.status) && deps.onTerminal ? deps.onTerminal(written) : Effect.void)),
      Effect.map((written): Job | undefined => written),
      Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: its state was not written (another writer won or the store failed)`, error), undefined)),
    );

  const watch = (stop: Deferred.Deferred<Outcome>) =>
    Effect.gen(function* () {
      let lastBeat = now();
      while (true) {
        yield* poke.wait(Math.min(settings.cancelPollMs, settings.heartbeatMs));
        const current = yield* deps.store.get(job.id).pipe(Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: not re-read for cancel and lease checks; trying again`, error), undefined)));
        if (current === undefined) continue;
        if (current.status !== "running" || current.lease?.token !== token) {
          yield* Deferred.succeed(stop, { kind: "lease_lost", reason: `job is ${current.status}, lease held by ${current.lease?.owner ?? "nobody"}` });
          return;
        }
        if (current.cancelRequested) {
          yield* Deferred.succeed(stop, { kind: "cancelled" });
          return;
        }
        if (now() - lastBeat >= settings.heartbeatMs) {
          const renewed = yield* modifyJob(deps.store, job.id, (latest) => heartbeat(latest, { token, now: now(), leaseMs: settings.leaseMs })).pipe(
            Effect.map((written): Job | undefined => written),
            Effect.catchTag("IllegalTransition", () => Effect.succeed(undefined)),
            Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: heartbeat not written; trying again`, error), null)),
          );
          if (renewed === undefined) {
            yield* Deferred.succeed(stop, { kind: "lease_lost", reason: "heartbeat refused" });
            return;
          }
          if (renewed !== null) lastBeat = now();
        }
      }
    });

  const processOutcome: Effect.Effect<Outcome> = deps.runner.run({ command: job.command, cwd: job.cwd, env: { ...job.env, [LEASE_TOKEN_ENV]: token }, onLine: push }).pipe(
    Effect.map((exit): Outcome => ({ kind: "exited", exit })),
    Effect.catchTag("SpawnFailed", (error) => Effect.succeed<Outcome>({ kind: "spawn_failed", message: error.message })),
  );
  const timeout: Effect.Effect<Outcome> = job.timeoutMs === null ? Effect.never : Effect.as(Effect.sleep(job.timeoutMs), { kind: "timeout" });

  const finish = (outcome: Outcome) =>
    Effect.gen(function* () {
      switch (outcome.kind) {
        case "exited": {
          if (outcome.exit.exitCode === 0) {
            system(`[parallax] ${job.pipeline} completed (attempt ${job.attempt}, worker ${owner})`);
            yield* flush;
            if (job.then.length === 0) {
              yield* write((current) => complete(current, { token, now: now(), exitCode: 0 }));
              return;
            }
            // Recorded first, so follow-ups are queued again (not lost) if this worker dies now.
            const succeeded = yield* write((current) => recordSuccess(current, { token, now: now(), exitCode: 0 }));
            if (succeeded === undefined) return;
            const { notes, completed } = yield* queueFollowUpsThenComplete({ store: deps.store, submitFollowUp: deps.submitFollowUp, now }, succeeded);
            for (const note of notes) system(`[parallax] ${note}`);
            if (completed) {
              deps.onActivity(job.id);
              if (deps.onTerminal) yield* deps.onTerminal(completed);
            }
            return;
          }
          const reason = exitReason(outcome.exit);
          system(`[parallax] ${reason}`);
          yield* flush;
          yield* write((current) => fail(current, { token, now: now(), reason, exitCode: outcome.exit.exitCode, random: settings.random() }));
          return;
        }
        case "timeout": {
          const reason = `Timed out after ${job.timeoutMs! / 1000} s`;
          system(`[parallax] ${reason}: process group stopped`);
          yield* flush;
          yield* write((current) => fail(current, { token, now: now(), reason, exitCode: null, random: settings.random() }));
          return;
        }
        case "spawn_failed": {
          const reason = `Failed to start: ${outcome.message}`;
          system(`[parallax] ${reason}`);
          yield* flush;
          yield* write((current) => fail(current, { token, now: now(), reason, exitCode: null, random: settings.random() }));
          return;
        }
        case "cancelled": {
          system("[parallax] Cancelled: process group stopped");
          yield* flush;
          yield* write((current) => finishCancelled(current, { token, now: now(), exitCode: null }));
          return;
        }
        case "lease_lost": {
          system(`[parallax] Lease lost (${outcome.reason}): process group stopped`);
          yield* flush;
          return;
        }
      }
    });

  const releaseOnInterrupt = Effect.gen(function* () {
    system(`[parallax] Worker ${owner} stopping: job released`);
    yield* flush;
    yield* write((current) => release(current, { token, now: now(), reason: `worker ${owner} stopped` }));
  });

  return Effect.gen(function* () {
    system(`[parallax] Started ${job.pipeline} attempt ${job.attempt}/${job.maxAttempts} on worker ${owner}: ${JSON.stringify(job.command)}`);
    const flushFiber = yield* Effect.forkChild(flusher);
    const stop = yield* Deferred.make<Outcome>();
    const watcher = yield* Effect.forkChild(watch(stop));
    const processFiber = yield* Effect.forkChild(processOutcome);
    // The process is stopped explicitly and awaited: a job is never reported finished while
    // any process of its group is still alive.
    const stopProcess = Fiber.interrupt(processFiber);
    const outcome = yield* Effect.raceAll([Fiber.join(processFiber), Deferred.await(stop), timeout]).pipe(
      Effect.onInterrupt(() => Effect.andThen(Effect.andThen(Fiber.interrupt(watcher), stopProcess), releaseOnInterrupt)),
    );
    yield* stopProcess;
    yield* Fiber.interrupt(watcher);
    yield* finish(outcome);
    yield* Fiber.interrupt(flushFiber);
    yield* flush;
  });
}
