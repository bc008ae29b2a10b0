import type * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";
import type { TrackingEvent } from "./tracking-task.js";

export interface SubscribeOptions {
  /**
   * The subscriber wants camera pictures (`frame_image_base64`). While at least one subscriber of
   * a task does, the task encodes them; otherwise it encodes none. Default: no.
   */
  readonly frames?: boolean;
}

/**
 * Live events of tasks to whoever listens (WebSocket clients, the CLI's progress line). A
 * subscriber that arrives late first receives the task's latest `status_update`, then everything
 * published after it: no silent gap between "what is the state" and "what happens next".
 * Events are delivered as published (pictures included); leaving pictures out for a subscriber
 * that wants none is the caller's business (`TrackingTasks.events`). Once a task's final status is
 * published and its subscribers are gone, an adapter may forget the task: a later subscriber then
 * receives nothing from it (`TrackingTasks.events` answers finished tasks from the store).
 */
export interface TrackingEvents {
  publish(taskId: string, event: TrackingEvent): Effect.Effect<void>;
  /** The task's events from now on, for as long as the scope lasts. */
  subscribe(taskId: string, options?: SubscribeOptions): Effect.Effect<Stream.Stream<TrackingEvent>, never, Scope.Scope>;
  /** Whether any current subscriber of the task wants pictures. */
  framesWanted(taskId: string): Effect.Effect<boolean>;
}
export const TrackingEvents = Symbol.for("parallax.TrackingEvents");
