import { Effect } from "effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { Clock } from "../shared/clock.port.js";
import { settleQueuedTask } from "./settle-queued-task.js";
import type { TaskQueue } from "./task-queue.port.js";
import type { TaskStore } from "./task-store.port.js";
import type { TrackingEvents } from "./tracking-events.port.js";
import { FINAL_STATUSES, statusPayload, type TaskRecord, type TrackingUpdate } from "./tracking-task.js";

/**
 * The live events of a task that another process runs, made from what that process stores: this
 * process's `TrackingEvents` are fed by following the `TaskStore`, so its subscribers (WebSocket
 * clients) see a worker's task as they see one run here, minus the pictures (a worker stores none).
 *
 * Every `pollMs` the record is read; when it changed, the results appended since are read and
 * published in frame order, then the status. A worker appends results before the status that
 * counts them, and its final status after its last results, so reading the record first and the
 * results second never publishes a status before the frames it reports, and nothing after the
 * final status. `batch_processing_complete` is published where a sub-video batch ends: before the
 * first frame of the next batch (its `frame_index` starts at 0 again), or when the record counts
 * the batch done. While the record does not change, the run is looked at instead: one that ended
 * without writing the task's end (a crash) settles it (`settleQueuedTask`), and the next pass
 * publishes that. It ends after publishing the final status; store failures are retried.
 */
export interface FollowDeps {
  readonly store: TaskStore;
  readonly events: TrackingEvents;
  readonly queue: TaskQueue;
  readonly clock: Clock;
}

export interface FollowOptions {
  readonly pollMs: number;
  /**
   * Publish the task's results from its first frame (a task this process just queued); otherwise
   * from what is stored now on (earlier results are history, read from the results route).
   */
  readonly fromStart: boolean;
}

export function followTask(deps: FollowDeps, taskId: string, options: FollowOptions): Effect.Effect<void> {
  return Effect.gen(function* () {
    let next = 0;
    /** The sub-video batch of the last frame published (-1: none yet). */
    let batch = -1;
    /** Batches whose `batch_processing_complete` is out. */
    let announced = 0;
    if (!options.fromStart) {
      const record = yield* deps.store.get(taskId);
      const stored = yield* deps.store.results(taskId, {});
      next = (stored.at(-1)?.global_frame_index ?? -1) + 1;
      batch = stored.filter((u) => u.frame_index === 0).length - 1;
      announced = record.completed_sub_video_batches;
    }
    let published: string | undefined;

    const announce = (upTo: number) =>
      Effect.gen(function* () {
        while (announced < upTo) yield* deps.events.publish(taskId, { type: "batch_processing_complete", payload: { sub_video_batch_index: announced++ } });
      });
    const publishFrame = (update: TrackingUpdate) =>
      Effect.gen(function* () {
        if (update.frame_index === 0 && (batch >= 0 || update.global_frame_index > 0)) {
          batch++;
          yield* announce(batch);
        } else if (batch < 0) batch = 0;
        yield* deps.events.publish(taskId, { type: "tracking_update", payload: update });
        next = update.global_frame_index + 1;
      });

    /** One pass; true once the final status is out (or the task is gone). */
    const pass: Effect.Effect<boolean, NotFound | StorageFailure> = Effect.gen(function* () {
      const record: TaskRecord = yield* deps.store.get(taskId);
      const text = JSON.stringify(record);
      if (text === published) {
        yield* settleQueuedTask(deps, record);
        return false;
      }
      for (const update of yield* deps.store.results(taskId, { from: next })) yield* publishFrame(update);
      yield* announce(record.completed_sub_video_batches);
      yield* deps.events.publish(taskId, { type: "status_update", payload: statusPayload(record) });
      published = text;
      return FINAL_STATUSES.has(record.status);
    });

    while (true) {
      const done = yield* pass.pipe(
        Effect.catchTag("NotFound", () => Effect.succeed(true)),
        Effect.catch((error) => Effect.as(Effect.logWarning(`tracking: following task ${taskId}: a pass failed; trying again`, error), false)),
      );
      if (done) return;
      yield* Effect.sleep(options.pollMs);
    }
  }).pipe(
    // The task is gone or unreadable from the start: there is nothing to follow.
    Effect.catch((error) => Effect.logWarning(`tracking: cannot follow task ${taskId}`, error)),
  );
}
