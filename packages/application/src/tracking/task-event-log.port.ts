import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";
import type { TrackingEvent } from "./tracking-task.js";

/** The events a log keeps: everything but `tracking_update`s, which the task store's results hold. */
export type LoggedEvent = Exclude<TrackingEvent, { readonly type: "tracking_update" }>;

export interface EventLogEntry {
  /** How many `tracking_update`s (frame indices) the task had published before this event. */
  readonly frames: number;
  readonly event: LoggedEvent;
}

/**
 * The status and batch events of tasks run by another process, in the order they were published,
 * each with its place among the task's results: with the stored results, what a host needs to
 * replay a worker's live events exactly (every status, not just the latest one a poll would see).
 * Written by the process that runs the task (`JournaledTrackingEvents`), and by a host that records
 * the end of a task whose run ended without it (`settleQueuedTask`); read by `followTask`.
 */
export interface TaskEventLog {
  append(taskId: string, entry: EventLogEntry): Effect.Effect<void, StorageFailure>;
  /** The entries from the `from`-th (0-based) on; none for a task with no log. */
  read(taskId: string, from: number): Effect.Effect<readonly EventLogEntry[], StorageFailure>;
}
export const TaskEventLog = Symbol.for("parallax.TaskEventLog");
