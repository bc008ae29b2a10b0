import * as Effect from "effect/Effect";
import * as FiberSet from "effect/FiberSet";
import { runTokenOf, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import type { IdGenerator } from "../../shared/id-generator.port.js";
import { runInBackground, type Background } from "../../shared/promise-facade.js";
import type { JobChanged } from "../feed/job-changes.js";
import type { JobStore } from "../ports/job-store.port.js";
import type { LogStore } from "../ports/log-store.port.js";
import type { ProcessRunner } from "../ports/process-runner.port.js";
import type { PipelineJobs } from "../use-cases/pipeline-jobs.js";
import { Wakeup } from "../wakeup.js";
import { claimDue } from "./claim-next-job.js";
import { queueFollowUpsThenComplete, type SubmitFollowUp } from "./queue-follow-ups.js";
import { LogWriter } from "./run-claimed-job/job-log.js";
import { runClaimedJob, type RunDeps, type RunServices, type RunSettings } from "./run-claimed-job/run-claimed-job.js";
import { RunWatch } from "./run-claimed-job/watch-run.js";

export interface WorkerSettings extends RunSettings {
  readonly workerId: string;
  readonly concurrency: number;
  /** Idle poll interval: how soon a job submitted by another process is noticed. */
  readonly pollMs: number;
}

/**
 * What the worker reports, for hosts to route to their logger. (Its progress on a job goes
 * to `JobChanges` as `progressed`, where the live feed hears it.)
 */
export interface WorkerObserver {
  onClaimed?(job: Job): void;
  onLeaseExpired?(job: Job): void;
  onError?(error: unknown): void;
}

export interface WorkerDeps {
  readonly store: JobStore;
  readonly logs: LogStore;
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly service: PipelineJobs;
}

/**
 * Claims due jobs (as many as slots are free, in one pass, up to `concurrency` running) and
 * runs each to its end, each in a fiber of a `FiberSet`; one `RunWatch` watches all the runs
 * (leases, cancel requests, timeouts) and one `LogWriter` stores all their logs. `run` is the
 * whole life as an Effect program, ended by `shutdown`; `start()`/`stop()` are its Promise
 * facade. Stopping stops claiming, lets running jobs finish for `drainMs`, then closes the
 * set, which interrupts the rest: their process trees stop and they go back to the queue.
 */
export class JobWorker {
  private readonly wakeup = new Wakeup();
  /** The running jobs, each with its number of runs here (two when a job whose lease expired under a run here was claimed again). */
  private readonly active = new Map<string, number>();
  private runs = 0;
  private readonly services: RunServices;
  /** What every run is given, made once (a run's own allocations are most of a short job's cost). */
  private readonly runDeps: RunDeps;
  private loop: Background | undefined;
  private stopping = false;
  private drainMs = 0;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly deps: WorkerDeps,
    readonly settings: WorkerSettings,
    private readonly observer: WorkerObserver = {},
  ) {
    this.services = { watch: new RunWatch(deps, settings), logs: new LogWriter(deps) };
    this.runDeps = {
      store: deps.store,
      logs: deps.logs,
      runner: deps.runner,
      clock: deps.clock,
      ids: deps.ids,
      onActivity: (jobId) => this.progressed(jobId),
      submitFollowUp: this.submitFollowUp,
      onTerminal: (finished) => deps.service.releaseExclusive(finished),
    };
  }

  get id(): string {
    return this.settings.workerId;
  }

  get runningJobs(): string[] {
    return [...this.active.keys()];
  }

  /** Promise facade: runs `run` in the background. */
  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = runInBackground(this.run);
  }

  /** Work may be waiting (a submit in this process): look now instead of at the next poll. */
  wake(): void {
    this.wakeup.notify();
  }

  /** A job this worker may be running changed (e.g. cancel requested here): check it now. */
  poke(jobId: string): void {
    this.services.watch.poke(jobId);
  }

  /** Ends `run`: it stops claiming, lets running jobs finish for `drainMs`, then releases the rest. */
  shutdown(drainMs: number): Effect.Effect<void> {
    return Effect.sync(() => this.requestStop(drainMs));
  }

  /** Promise facade of `shutdown`: resolves once the run started by `start()` ended. */
  stop(drainMs: number): Promise<void> {
    this.requestStop(drainMs);
    this.stopped ??= Promise.resolve(this.loop?.done).then(() => undefined);
    return this.stopped;
  }

  private requestStop(drainMs: number): void {
    if (this.stopping) return;
    this.drainMs = drainMs;
    this.stopping = true;
    this.wakeup.notify();
  }

  /** Claims and runs jobs until `shutdown`, then drains; jobs still running are interrupted (released). */
  get run(): Effect.Effect<void> {
    const self = this;
    const { deps } = this;
    return Effect.scoped(
      Effect.gen(function* () {
        // Forked before the set is made, so interrupted after it closed: runs being released are still watched and written.
        yield* Effect.forkScoped(self.services.logs.run);
        yield* Effect.forkScoped(self.services.watch.run);
        const running = yield* FiberSet.make<void>();
        yield* deps.service.changes.listen((change) => self.changed(change));
        yield* self.claimLoop(running);
        yield* FiberSet.awaitEmpty(running).pipe(Effect.timeoutOption(self.drainMs));
      }),
    );
  }

  /**
   * A job submitted, cancelled or retried in this process: look for work now, and check the
   * job if it runs here. Follow-ups (queued by a worker finishing their parent) are left to
   * the next poll, as they always were: the parent's worker does not start them in the same
   * instant, which may be its last (the follow-ups crash tests stop it right there).
   */
  private changed(change: JobChanged): void {
    if (change.change === "progressed") return;
    if (change.triggeredBy === undefined) this.wake();
    this.poke(change.jobId);
  }

  private claimLoop(running: FiberSet.FiberSet<void>): Effect.Effect<void> {
    const self = this;
    const { settings, deps } = this;
    return Effect.gen(function* () {
      while (!self.stopping) {
        // Woken by the first of several runs ending in one turn (their completions commit
        // together): the others end first, and their slots are claimed in one batch.
        if (self.runs > 0) yield* Effect.yieldNow;
        const free = settings.concurrency - self.runs;
        if (free <= 0) {
          yield* self.wakeup.wait(settings.pollMs);
          continue;
        }
        const claimed = yield* claimDue(
          deps.store,
          {
            owner: settings.workerId,
            nextToken: () => `${settings.workerId}/${deps.ids.next()}`,
            now: deps.clock.now().getTime(),
            leaseMs: settings.leaseMs,
            spread: settings.random(),
            limit: free,
          },
          (lost, recovered) => self.recoverLostRun(lost, recovered),
          (succeeded) => self.finishSucceededRun(succeeded),
        ).pipe(
          Effect.catch((error) =>
            Effect.andThen(
              Effect.sync(() => self.observer.onError?.(error)),
              Effect.as(Effect.logError("job worker: claiming failed", error), [] as Job[]),
            ),
          ),
        );
        if (claimed.length === 0) yield* self.wakeup.wait(settings.pollMs);
        // Each claimed job is launched, even if the worker is stopping meanwhile: it drains or is released like the others.
        for (const job of claimed) yield* self.launch(running, job);
      }
    });
  }

  /**
   * A lost run may have left processes behind on this machine (its worker was killed, its
   * process groups were not): stop them before the job runs again, and say so in its log.
   */
  private recoverLostRun(lost: Job, recovered: Job): Effect.Effect<void> {
    const self = this;
    const { deps } = this;
    // The run's processes carry the claim's token, not the rotated one the lease ended with.
    const token = lost.lease ? runTokenOf(lost.lease) : undefined;
    return Effect.gen(function* () {
      self.observer.onLeaseExpired?.(recovered);
      const stopped = token === undefined ? 0 : yield* deps.runner.stopOrphans(token);
      const reason = recovered.history.at(-1)?.reason ?? "lease expired";
      const message = `[parallax] ${reason}; ${stopped} orphaned process group(s) of that run stopped on ${self.settings.workerId}`;
      yield* deps.logs.append(recovered.id, [{ stream: "system", timestamp: deps.clock.now().toISOString(), message }]).pipe(
        Effect.catch((error) => Effect.logWarning(`job ${recovered.id}: recovery note not logged`, error)),
      );
      yield* deps.service.releaseExclusive(recovered);
      yield* self.progressed(recovered.id);
    });
  }

  /** A job whose worker vanished after its run succeeded: queue its follow-ups and complete it here. */
  private finishSucceededRun(job: Job): Effect.Effect<void> {
    const self = this;
    const { deps } = this;
    return Effect.gen(function* () {
      const log = (message: string) =>
        deps.logs.append(job.id, [{ stream: "system", timestamp: deps.clock.now().toISOString(), message }]).pipe(Effect.catch((error) => Effect.logWarning(`job ${job.id}: note not logged`, error)));
      const { notes, completed } = yield* queueFollowUpsThenComplete({ store: deps.store, submitFollowUp: self.submitFollowUp, now: () => deps.clock.now().getTime() }, job);
      if (completed === undefined) return;
      yield* log(`[parallax] lease of ${job.lease?.owner ?? "a worker"} expired after the run succeeded; follow-ups queued on ${self.settings.workerId}`);
      for (const note of notes) yield* log(`[parallax] ${note}`);
      yield* deps.service.releaseExclusive(completed);
      yield* self.progressed(job.id);
    });
  }

  /** Lines or state of a job written here: whoever follows it in this process looks now. */
  private progressed(jobId: string): Effect.Effect<void> {
    return this.deps.service.changes.publish({ jobId, change: "progressed" });
  }

  private readonly submitFollowUp: SubmitFollowUp = (name, after, id) =>
    // A follow-up belongs to whoever submitted the job it follows.
    this.deps.service.submit(name, {}, { triggeredBy: after.id, id, ...(after.owner === undefined ? {} : { owner: after.owner }) }).pipe(
      Effect.map((next) => `Queued follow-up ${name} as job ${next.id}`),
      Effect.catch((error) => Effect.succeed(`Follow-up ${name} not queued: ${(error as { message?: string }).message ?? String(error)}`)),
    );

  private launch(running: FiberSet.FiberSet<void>, job: Job): Effect.Effect<unknown> {
    const run = Effect.ensuring(
      runClaimedJob(this.runDeps, this.settings, job, this.services),
      Effect.sync(() => {
        this.runs--;
        const left = this.active.get(job.id)! - 1;
        if (left === 0) this.active.delete(job.id);
        else this.active.set(job.id, left);
        this.wakeup.notify();
      }),
    );
    return Effect.suspend(() => {
      this.observer.onClaimed?.(job);
      this.runs++;
      this.active.set(job.id, (this.active.get(job.id) ?? 0) + 1);
      return Effect.andThen(this.progressed(job.id), FiberSet.run(running, run));
    });
  }
}
