import type { Effect, Scope, Stream } from "effect";
import type { TrackingEvent } from "./tracking-task.js";

/**
 * Live events of tasks to whoever listens (WebSocket clients, the CLI's progress line). A
 * subscriber that arrives late first receives the task's latest `status_update`, then everything
 * published after it: no silent gap between "what is the state" and "what happens next".
 */
export interface TrackingEvents {
  publish(taskId: string, event: TrackingEvent): Effect.Effect<void>;
  /** The task's events from now on, for as long as the scope lasts. */
  subscribe(taskId: string): Effect.Effect<Stream.Stream<TrackingEvent>, never, Scope.Scope>;
}
export const TrackingEvents = Symbol.for("parallax.TrackingEvents");
