import * as Effect from "effect/Effect";
import { mayAccess, NotFound, type StorageFailure, type Viewer } from "@parallax/domain";
import type { TaskRecord } from "./tracking-task.js";
import type { TrackingTasks } from "./tracking-tasks.js";

/**
 * Who may see a processing task: the user who started it, or an administrator. Another user's
 * task is "Processing task not found." exactly as a missing one is. Whatever reads or acts on a
 * task for a user (routes, sockets) asks here first.
 */
export function visibleTask(tasks: TrackingTasks, taskId: string, viewer: Viewer): Effect.Effect<TaskRecord, NotFound | StorageFailure> {
  return Effect.flatMap(tasks.status(taskId), (record) =>
    mayAccess(record.owner, viewer) ? Effect.succeed(record) : Effect.fail(new NotFound({ message: "Processing task not found." })),
  );
}

/** The tasks `viewer` may see. */
export function visibleTasks(tasks: TrackingTasks, viewer: Viewer): Effect.Effect<readonly TaskRecord[], StorageFailure> {
  return Effect.map(tasks.list, (records) => records.filter((record) => mayAccess(record.owner, viewer)));
}
