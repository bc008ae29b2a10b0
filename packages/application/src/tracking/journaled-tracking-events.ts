import { Effect, type Scope, type Stream } from "effect";
import type { EventLogEntry, TaskEventLog } from "./task-event-log.port.js";
import type { SubscribeOptions, TrackingEvents } from "./tracking-events.port.js";
import type { TrackingEvent } from "./tracking-task.js";

/**
 * `TrackingEvents` of a process that runs tasks for others (a worker's `track-task`): every event
 * goes to this process's subscribers as usual, and every status and batch event is also appended
 * to the `TaskEventLog` with the number of frames published before it, so that a host can replay
 * them in place among the stored results. A log that cannot be written is logged and skipped: the
 * task's record stays the truth, and its end is recorded for the host anyway (`settleQueuedTask`).
 */
export class JournaledTrackingEvents implements TrackingEvents {
  /** Frames published per task (tasks of this process only; one per `track-task` process). */
  private readonly frames = new Map<string, number>();

  constructor(
    private readonly inner: TrackingEvents,
    private readonly log: TaskEventLog,
  ) {}

  publish(taskId: string, event: TrackingEvent): Effect.Effect<void> {
    if (event.type === "tracking_update") {
      this.frames.set(taskId, event.payload.global_frame_index + 1);
      return this.inner.publish(taskId, event);
    }
    const entry: EventLogEntry = { frames: this.frames.get(taskId) ?? 0, event };
    return this.log.append(taskId, entry).pipe(
      Effect.catch((error) => Effect.logWarning(`tracking: task ${taskId}: an event was not logged for hosts`, error)),
      Effect.andThen(this.inner.publish(taskId, event)),
    );
  }

  subscribe(taskId: string, options?: SubscribeOptions): Effect.Effect<Stream.Stream<TrackingEvent>, never, Scope.Scope> {
    return this.inner.subscribe(taskId, options);
  }

  framesWanted(taskId: string): Effect.Effect<boolean> {
    return this.inner.framesWanted(taskId);
  }
}
