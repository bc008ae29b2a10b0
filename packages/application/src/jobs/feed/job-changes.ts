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
 * progressed by its worker. The live feed and the local worker subscribe, so they look at
 * once rather than at their next poll. It is not a record: changes made by other processes
 * are found by polling the store, and a change with no subscriber is dropped.
 */
export class JobChanges {
  /** For callers that build it in an effect (it needs none: the PubSub is made on first use). */
  static readonly make: Effect.Effect<JobChanges> = Effect.sync(() => new JobChanges());

  private made: PubSub.PubSub<JobChanged> | undefined;
  /** Made on first use, inside an effect; a fiber that lost the race to make it uses the winner's. */
  private readonly pubsub: Effect.Effect<PubSub.PubSub<JobChanged>> = Effect.suspend(() =>
    this.made ? Effect.succeed(this.made) : Effect.map(PubSub.unbounded<JobChanged>(), (made) => (this.made ??= made)),
  );

  publish(change: JobChanged): Effect.Effect<void> {
    return Effect.asVoid(Effect.flatMap(this.pubsub, (pubsub) => PubSub.publish(pubsub, change)));
  }

  /** Changes published from now on, for as long as the scope lasts. */
  subscribe(): Effect.Effect<PubSub.Subscription<JobChanged>, never, Scope.Scope> {
    return Effect.flatMap(this.pubsub, PubSub.subscribe);
  }

  /** Runs `onChange` for every change published while the returned effect runs (it never ends by itself). */
  forEach(onChange: (change: JobChanged) => Effect.Effect<void>): Effect.Effect<never> {
    return Effect.scoped(Effect.flatMap(this.subscribe(), (subscription) => Effect.forever(Effect.flatMap(PubSub.take(subscription), onChange))));
  }
}
