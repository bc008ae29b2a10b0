import { Effect, PubSub, Stream, type Scope } from "effect";
import type { StatusPayload, SubscribeOptions, TrackingEvent, TrackingEvents } from "@parallax/application/tracking";

/**
 * Events of the tasks this process runs, to subscribers in this process: one unbounded PubSub
 * per task (a subscriber's backlog is bounded where it is sent, by the WebSocket's bounded send)
 * and the latest status kept, so a late subscriber starts from it. The latest status is read
 * after subscribing, so nothing published between the two is missed (at worst a status twice).
 * Subscribers that want pictures are counted for as long as their scope lasts.
 */
interface Topic {
  readonly hub: PubSub.PubSub<TrackingEvent>;
  latest?: StatusPayload;
  framesWanted: number;
}

export class InProcessTrackingEvents implements TrackingEvents {
  private readonly topics = new Map<string, Topic>();

  publish(taskId: string, event: TrackingEvent): Effect.Effect<void> {
    return Effect.flatMap(this.topic(taskId), (topic) => {
      if (event.type === "status_update") topic.latest = event.payload;
      return Effect.asVoid(PubSub.publish(topic.hub, event));
    });
  }

  subscribe(taskId: string, options: SubscribeOptions = {}): Effect.Effect<Stream.Stream<TrackingEvent>, never, Scope.Scope> {
    const self = this;
    return Effect.gen(function* () {
      const topic = yield* self.topic(taskId);
      if (options.frames) yield* Effect.acquireRelease(Effect.sync(() => topic.framesWanted++), () => Effect.sync(() => topic.framesWanted--));
      const subscription = yield* PubSub.subscribe(topic.hub);
      const first: TrackingEvent[] = topic.latest ? [{ type: "status_update", payload: topic.latest }] : [];
      return Stream.concat(Stream.fromIterable(first), Stream.fromSubscription(subscription));
    });
  }

  framesWanted(taskId: string): Effect.Effect<boolean> {
    return Effect.sync(() => (this.topics.get(taskId)?.framesWanted ?? 0) > 0);
  }

  private topic(taskId: string): Effect.Effect<Topic> {
    return Effect.suspend(() => {
      const known = this.topics.get(taskId);
      if (known) return Effect.succeed(known);
      return Effect.map(PubSub.unbounded<TrackingEvent>(), (hub) => {
        // Checked again: nothing ran between, but this keeps one topic per task even if that changes.
        const topic = this.topics.get(taskId) ?? { hub, framesWanted: 0 };
        this.topics.set(taskId, topic);
        return topic;
      });
    });
  }
}
