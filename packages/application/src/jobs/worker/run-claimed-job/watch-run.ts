import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import { heartbeat, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../../shared/clock.port.js";
import type { JobStore } from "../../ports/job-store.port.js";
import { modifyJob } from "../../modify-job.js";
import { Wakeup } from "../../wakeup.js";
import type { RunLease } from "./run-lease.js";
import type { RunOutcome } from "./run-outcome.js";

export interface WatchSettings {
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** How often a running job re-reads the store for a cancel request from another process. */
  readonly cancelPollMs: number;
}

/** What one look at the stored job decided: go on, or the run ends this way. */
type Look = RunOutcome | "go on";

/** One run as the watch sees it. */
export class WatchedRun {
  /** When the run is looked at next (its cancel poll, and its heartbeat when due). */
  nextLookAt: number;
  lastBeat: number;
  /** When it times out (`Infinity`: never). */
  readonly deadline: number;
  /** Asked to look now (a cancel requested in this process). */
  poked = false;
  /** The look in flight. */
  look: Fiber.Fiber<void> | undefined;

  constructor(
    readonly job: Job,
    readonly lease: RunLease,
    /** Ends the run with this outcome: called once at most, the run unwatched first. */
    readonly stop: (outcome: RunOutcome) => void,
    now: number,
    interval: number,
  ) {
    this.nextLookAt = now + interval;
    this.lastBeat = now;
    this.deadline = job.timeoutMs === null ? Infinity : now + job.timeoutMs;
  }
}

/**
 * Watches the running jobs of a worker until each run must end: its timeout, a cancel
 * request (from any process), or the lease gone (someone else holds it, or a heartbeat was
 * refused). Looks at each run every `min(cancelPollMs, heartbeatMs)`, or at once when
 * poked (a cancel requested in this process), and renews its lease every `heartbeatMs`,
 * each time under a fresh token (`RunLease`). A failed read or heartbeat is logged and tried
 * again at the next look.
 *
 * One fiber for all the worker's runs, asleep until the earliest run's next look or
 * timeout: a run that ends before its first look costs no fiber and no timer (a watcher
 * fiber per run, each with its timers, cost more than a short job itself). Each look is a
 * fiber of its own, so a slow store read holds up no other run's look or timeout.
 */
export class RunWatch {
  /** By run, not by job: a job this worker claims again (its lease expired meanwhile) is two runs. */
  private readonly runs = new Set<WatchedRun>();
  private readonly wakeup = new Wakeup();
  /** When the watch's sleep ends: a run due sooner must wake it. */
  private wakesAt = Infinity;

  constructor(
    private readonly deps: { store: JobStore; clock: Clock },
    private readonly settings: WatchSettings,
  ) {}

  private get interval(): number {
    return Math.min(this.settings.cancelPollMs, this.settings.heartbeatMs);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** Starts watching a run; `stop` is how the watch ends it. */
  watch(job: Job, lease: RunLease, stop: (outcome: RunOutcome) => void): WatchedRun {
    const run = new WatchedRun(job, lease, stop, this.now(), this.interval);
    this.runs.add(run);
    this.reschedule(run);
    return run;
  }

  /**
   * Stops watching a run (its process ended), now: `stop` is never called after this. Answers
   * the interruption of the look in flight, if any, to await.
   */
  unwatch(run: WatchedRun): Effect.Effect<void> {
    this.runs.delete(run);
    const look = run.look;
    run.look = undefined;
    return look === undefined ? Effect.void : Fiber.interrupt(look);
  }

  /** Look at this job now if it runs here (a cancel was requested in this process). */
  poke(jobId: string): void {
    for (const run of this.runs) {
      if (run.job.id !== jobId) continue;
      run.poked = true;
      this.wakeup.notify();
    }
  }

  /** When the run needs the watch next. */
  private dueAt(run: WatchedRun): number {
    if (run.look !== undefined) return run.deadline;
    return run.poked ? -Infinity : Math.min(run.nextLookAt, run.deadline);
  }

  private reschedule(run: WatchedRun): void {
    if (this.dueAt(run) < this.wakesAt) this.wakeup.notify();
  }

  private end(run: WatchedRun, outcome: RunOutcome): void {
    if (!this.runs.delete(run)) return;
    run.stop(outcome);
  }

  /** The watch's life: runs until interrupted (the worker's end). */
  get run(): Effect.Effect<never> {
    const self = this;
    return Effect.gen(function* () {
      for (;;) {
        const now = self.now();
        let next = Infinity;
        for (const run of self.runs) {
          if (now >= run.deadline) {
            self.end(run, { kind: "timeout" });
            continue;
          }
          if (run.look === undefined && (run.poked || now >= run.nextLookAt)) {
            run.poked = false;
            run.look = yield* Effect.forkChild(self.look(run));
          }
          next = Math.min(next, self.dueAt(run));
        }
        self.wakesAt = next;
        yield* next === Infinity ? self.wakeup.notified : self.wakeup.wait(next - now);
        self.wakesAt = -Infinity;
      }
    });
  }

  /** One look at the stored job: ends the run, or schedules the next look. */
  private look(run: WatchedRun): Effect.Effect<void> {
    const { deps, settings } = this;
    const { job, lease } = run;
    const renewLease = Effect.suspend(() => {
      const nextToken = lease.drawNext();
      return modifyJob(deps.store, job.id, (latest) => heartbeat(latest, { token: lease.tokenFor(latest), nextToken, now: this.now(), leaseMs: settings.leaseMs }), { known: lease.latest });
    }).pipe(
      Effect.tap((written) =>
        Effect.sync(() => {
          lease.confirm(written);
          run.lastBeat = this.now();
        }),
      ),
      Effect.as<Look>("go on"),
      Effect.catchTag("IllegalTransition", () => Effect.succeed<Look>({ kind: "lease_lost", reason: "heartbeat refused" })),
      Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: heartbeat not written; trying again`, error), "go on" as const)),
    );
    return deps.store.get(job.id).pipe(
      Effect.flatMap((current): Effect.Effect<Look> => {
        lease.saw(current);
        if (!lease.holds(current)) {
          return Effect.succeed({ kind: "lease_lost", reason: `job is ${current.status}, lease held by ${current.lease?.owner ?? "nobody"}` });
        }
        if (current.cancelRequested) return Effect.succeed({ kind: "cancelled" });
        return this.now() - run.lastBeat >= settings.heartbeatMs ? renewLease : Effect.succeed("go on");
      }),
      Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: not re-read for cancel and lease checks; trying again`, error), "go on" as const)),
      Effect.flatMap((seen) =>
        Effect.sync(() => {
          if (run.look === undefined) return; // unwatched meanwhile
          run.look = undefined;
          if (seen !== "go on") return this.end(run, seen);
          run.nextLookAt = this.now() + this.interval;
          this.reschedule(run);
        }),
      ),
    );
  }
}
