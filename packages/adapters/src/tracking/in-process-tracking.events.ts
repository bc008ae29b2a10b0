import * as Effect from "effect/Effect";
import * as PubSub from "effect/PubSub";
import * as Stream from "effect/Stream";
import type * as Scope from "effect/Scope";
import { FINAL_STATUSES, type StatusPayload, type SubscribeOptions, type TrackingEvent, type TrackingEvents } from "@parallax/application/tracking";

/**
 * Events of the tasks this process runs, to subscribers in this process: one unbounded PubSub
 * per task (a subscriber's backlog is bounded where it is sent, by the WebSocket's bounded send)
 * and the latest status kept, so a late subscriber starts from it. The latest status is read
 * after subscribing, so nothing published between the two is missed (at worst a status twice).
 * Subscribers that want pictures are counted for as long as their scope lasts.
 *
 * A task's channel is forgotten once its final status is published and its last subscriber has
 * left, so a long-running host keeps none per finished task; a subscriber that comes after that
 * receives nothing here (`TrackingTasks.events` answers a finished task from the store).
 */
interface Topic {
  readonly hub: PubSub.PubSub<TrackingEvent>;
  latest?: StatusPayload;
  framesWanted: number;
  subscribers: number;
}

export class InProcessTrackingEvents implements TrackingEvents {
  private readonly topics = new Map<string, Topic>();

  /** Tasks with a channel now (running, or finished with subscribers still attached). */
  get channelCount(): number {
    return this.topics.size;
  }

  publish(taskId: string, event: TrackingEvent): Effect.Effect<void> {
    return Effect.flatMap(this.topic(taskId), (topic) => {
      if (event.type === "status_update") topic.latest = event.payload;
      return PubSub.publish(topic.hub, event).pipe(Effect.andThen(Effect.sync(() => this.forgetIfDone(taskId, topic, false))));
    });
  }

  subscribe(taskId: string, options: SubscribeOptions = {}): Effect.Effect<Stream.Stream<TrackingEvent>, never, Scope.Scope> {
    const self = this;
    return Effect.gen(function* () {
      const topic = yield* self.topic(taskId);
      yield* Effect.acquireRelease(
        Effect.sync(() => topic.subscribers++),
        () => Effect.sync(() => {
          topic.subscribers--;
          self.forgetIfDone(taskId, topic, true);
        }),
      );
      if (options.frames) yield* Effect.acquireRelease(Effect.sync(() => topic.framesWanted++), () => Effect.sync(() => topic.framesWanted--));
      const subscription = yield* PubSub.subscribe(topic.hub);
      const first: TrackingEvent[] = topic.latest ? [{ type: "status_update", payload: topic.latest }] : [];
      return Stream.concat(Stream.fromIterable(first), Stream.fromSubscription(subscription));
    });
  }

  framesWanted(taskId: string): Effect.Effect<boolean> {
    return Effect.sync(() => (this.topics.get(taskId)?.framesWanted ?? 0) > 0);
  }

  /**
   * Nobody listens and nothing more will be published: the task has finished, or (when the last
   * subscriber leaves) the channel was opened by subscribers alone, as for a task forgotten already.
   */
  private forgetIfDone(taskId: string, topic: Topic, subscriberLeft: boolean): void {
    const finished = topic.latest === undefined ? subscriberLeft : FINAL_STATUSES.has(topic.latest.status);
    if (topic.subscribers === 0 && finished && this.topics.get(taskId) === topic) this.topics.delete(taskId);
  }

  private topic(taskId: string): Effect.Effect<Topic> {
    return Effect.suspend(() => {
      const known = this.topics.get(taskId);
      if (known) return Effect.succeed(known);
      return Effect.map(PubSub.unbounded<TrackingEvent>(), (hub) => {
        // Checked again: nothing ran between, but this keeps one topic per task even if that changes.
        const topic = this.topics.get(taskId) ?? { hub, framesWanted: 0, subscribers: 0 };
        this.topics.set(taskId, topic);
        return topic;
      });
    });
  }
}
