import * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { Clock } from "../shared/clock.port.js";
import type { TaskEventLog } from "./task-event-log.port.js";
import type { TaskQueue } from "./task-queue.port.js";
import type { TaskStore } from "./task-store.port.js";
import { FINAL_STATUSES, statusPayload, type TaskRecord } from "./tracking-task.js";

export interface SettleDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly log: TaskEventLog;
  readonly clock: Clock;
}

/**
 * A queued task whose run has ended without recording how the task ended: the worker process
 * crashed or was killed, its worker was lost, or the run was cancelled before any process started.
 * The task's record is then written here, FAILED with the run's reason or CANCELLED, and its final
 * status logged for followers, so no task stays QUEUED or PROCESSING forever. A run still waiting
 * or running, or one the queue does not know, leaves the record as it is.
 *
 * The store is read again after the run was seen ended: a worker writes its final status before
 * its process exits, so that second read has it whenever the worker got that far.
 */
export function settleQueuedTask(deps: SettleDeps, record: TaskRecord): Effect.Effect<TaskRecord, NotFound | StorageFailure> {
  return Effect.gen(function* () {
    if (FINAL_STATUSES.has(record.status)) return record;
    const run = yield* deps.queue.run(record.task_id);
    if (run._tag !== "Ended") return record;
    const current = yield* deps.store.get(record.task_id);
    if (FINAL_STATUSES.has(current.status)) return current;
    const ended: TaskRecord =
      run.outcome === "cancelled"
        ? { ...current, status: "CANCELLED", current_step: "Cancelled", details: "Cancelled on request, before a worker recorded it." }
        : {
            ...current,
            status: "FAILED",
            current_step: "Failed",
            details:
              run.outcome === "failed"
                ? `The worker's run of this task failed: ${run.reason}`
                : "The worker's run of this task ended without finishing it.",
          };
    const written = { ...ended, last_update_time: deps.clock.now().toISOString() };
    yield* deps.store.put(written);
    const frames = (yield* deps.store.results(record.task_id, {})).length;
    yield* deps.log.append(record.task_id, { frames, event: { type: "status_update", payload: statusPayload(written) } });
    return written;
  });
}
