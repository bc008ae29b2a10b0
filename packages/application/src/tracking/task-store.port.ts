import type * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { TaskRecord, TrackingUpdate } from "./tracking-task.js";

/** A window of stored results by `global_frame_index`: `from` included, `to` excluded. */
export interface ResultRange {
  readonly from?: number;
  readonly to?: number;
}

/** A camera's decoded frame size: the pixels its `bbox_xyxy` are in (after TRACKING_WIDTH's scaling). */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Processing tasks' state and results. Results are appended in frame order while a task runs and
 * can be read (a window at a time, so a client resumes where it stopped) during and after it.
 */
export interface TaskStore {
  /** Creates or replaces the task's record. */
  put(record: TaskRecord): Effect.Effect<void, StorageFailure>;
  get(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure>;
  /** Every task, most recently started first. */
  readonly list: Effect.Effect<readonly TaskRecord[], StorageFailure>;
  append(taskId: string, updates: readonly TrackingUpdate[]): Effect.Effect<void, StorageFailure>;
  results(taskId: string, range: ResultRange): Effect.Effect<readonly TrackingUpdate[], NotFound | StorageFailure>;
  /**
   * Each camera's frame size, kept beside the record, never in it: the record is the §D status
   * payload, which has no such field. Written once the task has decoded its first frames.
   */
  putFrameSizes(taskId: string, sizes: Readonly<Record<string, FrameSize>>): Effect.Effect<void, StorageFailure>;
  /** What `putFrameSizes` kept; `{}` for a task that has not decoded a frame yet (or ran before sizes were kept). */
  frameSizes(taskId: string): Effect.Effect<Readonly<Record<string, FrameSize>>, NotFound | StorageFailure>;
}
export const TaskStore = Symbol.for("parallax.TaskStore");
