import { Effect, PubSub, type Scope } from "effect";

/**
 * Jobs changed by this process's `JobService` (submitted, cancelled, retried), by id. The
 * live feed and the local worker subscribe, so they look at once rather than at their next
 * poll. It is not a record: changes made by other processes are found by polling the store.
 */
export class JobChanges {
  static readonly make: Effect.Effect<JobChanges> = Effect.map(PubSub.unbounded<string>(), (pubsub) => new JobChanges(pubsub));

  private constructor(private readonly pubsub: PubSub.PubSub<string>) {}

  publish(jobId: string): Effect.Effect<void> {
    return Effect.asVoid(PubSub.publish(this.pubsub, jobId));
  }

  /** Ids published from now on, for as long as the scope lasts. */
  subscribe(): Effect.Effect<PubSub.Subscription<string>, never, Scope.Scope> {
    return PubSub.subscribe(this.pubsub);
  }

  /** Runs `onChange` for every id published while the returned effect runs (it never ends by itself). */
  forEach(onChange: (jobId: string) => Effect.Effect<void>): Effect.Effect<never> {
    return Effect.scoped(Effect.flatMap(this.subscribe(), (subscription) => Effect.forever(Effect.flatMap(PubSub.take(subscription), onChange))));
  }
}
