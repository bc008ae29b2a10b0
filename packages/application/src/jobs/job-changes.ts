import { Effect, PubSub, type Scope } from "effect";

/** A job this process's `JobService` submitted, cancelled or retried. */
export interface JobChanged {
  readonly jobId: string;
  readonly change: "submitted" | "cancelled" | "retried";
  /** The job whose success queued this one (a follow-up's submit). */
  readonly triggeredBy?: string;
}

/**
 * Jobs changed by this process's `JobService` (submitted, cancelled, retried). The
 * live feed and the local worker subscribe, so they look at once rather than at their next
 * poll. It is not a record: changes made by other processes are found by polling the store.
 */
export class JobChanges {
  static readonly make: Effect.Effect<JobChanges> = Effect.map(PubSub.unbounded<JobChanged>(), (pubsub) => new JobChanges(pubsub));

  private constructor(private readonly pubsub: PubSub.PubSub<JobChanged>) {}

  publish(change: JobChanged): Effect.Effect<void> {
    return Effect.asVoid(PubSub.publish(this.pubsub, change));
  }

  /** Changes published from now on, for as long as the scope lasts. */
  subscribe(): Effect.Effect<PubSub.Subscription<JobChanged>, never, Scope.Scope> {
    return PubSub.subscribe(this.pubsub);
  }

  /** Runs `onChange` for every change published while the returned effect runs (it never ends by itself). */
  forEach(onChange: (change: JobChanged) => Effect.Effect<void>): Effect.Effect<never> {
    return Effect.scoped(Effect.flatMap(this.subscribe(), (subscription) => Effect.forever(Effect.flatMap(PubSub.take(subscription), onChange))));
  }
}
