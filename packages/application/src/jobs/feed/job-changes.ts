import * as Effect from "effect/Effect";
import * as PubSub from "effect/PubSub";
import type * as Scope from "effect/Scope";

/** A job this process submitted, cancelled, retried (its `PipelineJobs`) or ran a step of (its worker). */
export interface JobChanged {
  readonly jobId: string;
  /** `progressed`: a worker here stored lines of the job or wrote its state. */
  readonly change: "submitted" | "cancelled" | "retried" | "progressed";
  /** The job whose success queued this one (a follow-up's submit). */
  readonly triggeredBy?: string;
}

/**
 * Jobs changed in this process: submitted, cancelled or retried by its `PipelineJobs`, or
 * progressed by its worker. The live feed and the local worker listen, so they look at
 * once rather than at their next poll. It is not a record: changes made by other processes
 * are found by polling the store, and a change with no subscriber is dropped.
 *
 * Two ways to hear: `subscribe`/`forEach` (a `PubSub` subscription, taken at the
 * subscriber's pace) and `listen` (a synchronous callback run inside `publish`, for a
 * listener that only notes the change, like the worker's wake-ups: a worker publishes a few
 * changes per job, and waking a subscriber fiber for each cost more than the job).
 */
export class JobChanges {
  /** For callers that build it in an effect (it needs none: the PubSub is made on first use). */
  static readonly make: Effect.Effect<JobChanges> = Effect.sync(() => new JobChanges());

  private made: PubSub.PubSub<JobChanged> | undefined;
  private readonly listeners = new Set<(change: JobChanged) => void>();
  /** Made on first subscription, inside an effect; a fiber that lost the race to make it uses the winner's. */
  private readonly pubsub: Effect.Effect<PubSub.PubSub<JobChanged>> = Effect.suspend(() =>
    this.made ? Effect.succeed(this.made) : Effect.map(PubSub.unbounded<JobChanged>(), (made) => (this.made ??= made)),
  );

  publish(change: JobChanged): Effect.Effect<void> {
    return Effect.sync(() => {
      for (const listener of this.listeners) listener(change);
      // No PubSub yet means no subscriber ever: nobody to hand the change to.
      if (this.made) PubSub.publishUnsafe(this.made, change);
    });
  }

  /** Changes published from now on, for as long as the scope lasts. */
  subscribe(): Effect.Effect<PubSub.Subscription<JobChanged>, never, Scope.Scope> {
    return Effect.flatMap(this.pubsub, PubSub.subscribe);
  }

  /** Runs `onChange` for every change published while the returned effect runs (it never ends by itself). */
  forEach(onChange: (change: JobChanged) => Effect.Effect<void>): Effect.Effect<never> {
    return Effect.scoped(Effect.flatMap(this.subscribe(), (subscription) => Effect.forever(Effect.flatMap(PubSub.take(subscription), onChange))));
  }

  /**
   * Calls `onChange` synchronously within every `publish` while the scope lasts. It must
   * only note the change (set a flag, open a latch): it runs in the publisher's fiber.
   */
  listen(onChange: (change: JobChanged) => void): Effect.Effect<void, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.sync(() => void this.listeners.add(onChange)),
      () => Effect.sync(() => void this.listeners.delete(onChange)),
    );
  }
}
