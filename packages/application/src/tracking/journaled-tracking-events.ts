import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";
import type { EventLogEntry, TaskEventLog } from "./task-event-log.port.js";
import type { TaskPictures } from "./task-pictures.port.js";
import type { SubscribeOptions, TrackingEvents } from "./tracking-events.port.js";
import { withoutFrames, type TrackingEvent } from "./tracking-task.js";

/**
 * How many frame indices of pictures a worker keeps behind the newest: a host's follower relays a
 * frame within a pass or two of its results being stored (ten frame indices at a time, every
 * `TRACKING_FOLLOW_MS`), so 200 leaves a slow host many seconds, and bounds the disk a task uses
 * (200 × cameras × a picture's size: ~5 MB for 4 cameras at 320 wide).
 */
export const PICTURE_WINDOW_FRAMES = 200;

/**
 * `TrackingEvents` of a process that runs tasks for others (a worker's `track-task`): every event
 * goes to this process's subscribers as usual, and every status and batch event is also appended
 * to the `TaskEventLog` with the number of frames published before it, so that a host can replay
 * them in place among the stored results. A log that cannot be written is logged and skipped: the
 * task's record stays the truth, and its end is recorded for the host anyway (`settleQueuedTask`).
 *
 * With `pictures`, the hosts' sockets are this process's picture subscribers: `framesWanted` is
 * always true (the task encodes every frame once, as it would for local sockets), and each
 * `tracking_update`'s pictures go to `TaskPictures` (the newest `PICTURE_WINDOW_FRAMES` frame
 * indices kept) instead of to local subscribers. They travel as base64 from the task to here and
 * are decoded back (~µs for a 6–30 KB picture), which keeps the task unaware of who watches it.
 * A picture that cannot be stored is logged and skipped: pictures are for viewers, the task goes on.
 * The host that relays the task's end clears them (`followTask`).
 */
export class JournaledTrackingEvents implements TrackingEvents {
  /** Frames published per task (tasks of this process only; one per `track-task` process). */
  private readonly frames = new Map<string, number>();

  constructor(
    private readonly inner: TrackingEvents,
    private readonly log: TaskEventLog,
    private readonly pictures?: TaskPictures,
  ) {}

  publish(taskId: string, event: TrackingEvent): Effect.Effect<void> {
    if (event.type === "tracking_update") {
      const frame = event.payload.global_frame_index;
      this.frames.set(taskId, frame + 1);
      if (!this.pictures) return this.inner.publish(taskId, event);
      // Uninterruptible: a cancelled task's last pictures are written before its end is logged, never after the host cleared them.
      return Effect.andThen(Effect.uninterruptible(this.keepPictures(this.pictures, taskId, event)), this.inner.publish(taskId, withoutFrames(event)));
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
    return this.pictures ? Effect.succeed(true) : this.inner.framesWanted(taskId);
  }

  /** The frame's pictures stored (before its results are: the worker appends those after publishing), the oldest beyond the window dropped. */
  private keepPictures(pictures: TaskPictures, taskId: string, event: Extract<TrackingEvent, { type: "tracking_update" }>): Effect.Effect<void> {
    const frame = event.payload.global_frame_index;
    const jpegs = new Map<string, Uint8Array>();
    for (const [camera, view] of Object.entries(event.payload.cameras)) {
      if (view.frame_image_base64 !== undefined) jpegs.set(camera, Buffer.from(view.frame_image_base64, "base64"));
    }
    const put = jpegs.size > 0 ? pictures.put(taskId, frame, jpegs) : Effect.void;
    const drop = frame >= PICTURE_WINDOW_FRAMES ? pictures.remove(taskId, frame - PICTURE_WINDOW_FRAMES) : Effect.void;
    return Effect.andThen(put, drop).pipe(Effect.catch((error) => Effect.logWarning(`tracking: task ${taskId}: pictures of frame ${frame} not kept for hosts`, error)));
  }
}
