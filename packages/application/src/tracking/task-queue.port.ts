import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

/**
 * How a task's run in another process stands. `Ended` says how the run ended, not how the task
 * did: the task's own record says that, and is only corrected from here when the run ended
 * without writing it (a crash, a cancel before any process started).
 */
export type QueuedRun =
  | { readonly _tag: "Waiting" }
  /** `cancelRequested`: a cancel was asked for and the run is being stopped. */
  | { readonly _tag: "Running"; readonly cancelRequested: boolean }
  | { readonly _tag: "Ended"; readonly outcome: "completed" | "failed" | "cancelled"; readonly reason: string }
  /** The queue knows no run of this task (none was queued, or the queue forgot it). */
  | { readonly _tag: "Unknown" };

/**
 * Processing tasks run by other processes (workers): a queue the task is put on, which some
 * process takes it from, runs it to the end against the shared `TaskStore`, and stops on a cancel.
 * The adapter is the jobs queue (`parallax.tracking-task` jobs running `parallax track-task <id>`).
 */
export interface TaskQueue {
  /** Queues the task (its record is already stored, QUEUED). */
  submit(taskId: string): Effect.Effect<void, StorageFailure>;
  /** Asks its run to stop: a waiting one never starts, a running one is interrupted. Done or unknown: nothing. */
  cancel(taskId: string): Effect.Effect<void, StorageFailure>;
  run(taskId: string): Effect.Effect<QueuedRun, StorageFailure>;
}
export const TaskQueue = Symbol.for("parallax.TaskQueue");
