import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

/**
 * The camera pictures (JPEG) of a task run by another process, kept for a short while so that a
 * host can attach them to the `tracking_update`s it relays: the worker puts each frame index's
 * pictures as it publishes the frame and removes those a window behind; the host's follower gets
 * them as it relays the frame and clears the task's pictures at its end. Never part of the results.
 * A picture is whole once visible (written aside, then renamed); one already removed is absent.
 */
export interface TaskPictures {
  /** One frame index's pictures, camera id → JPEG. */
  put(taskId: string, globalFrame: number, pictures: ReadonlyMap<string, Uint8Array>): Effect.Effect<void, StorageFailure>;
  /** Those of `cameras` still kept at this frame index (a camera whose picture is gone is absent). */
  get(taskId: string, globalFrame: number, cameras: readonly string[]): Effect.Effect<ReadonlyMap<string, Uint8Array>, StorageFailure>;
  /** Removes one frame index's pictures (none kept: nothing to do). */
  remove(taskId: string, globalFrame: number): Effect.Effect<void, StorageFailure>;
  /** Removes every picture of the task. */
  clear(taskId: string): Effect.Effect<void, StorageFailure>;
}
export const TaskPictures = Symbol.for("parallax.TaskPictures");
