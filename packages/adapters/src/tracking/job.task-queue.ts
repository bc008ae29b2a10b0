import * as Effect from "effect/Effect";
import { StorageFailure } from "@parallax/domain";
import type { PipelineJobs } from "@parallax/application/jobs";
import type { QueuedRun, TaskQueue } from "@parallax/application/tracking";
import { TRACKING_TASK_PIPELINE } from "./tracking-task.pipeline.js";

/**
 * `TaskQueue` on the jobs queue, through its public use cases only: a task is a job of the
 * built-in `parallax.tracking-task` pipeline whose id is the task's id (so the submit is idempotent
 * and the run is found without an index), and a cancel is the job's cancel, which stops the
 * worker's process group (the command records CANCELLED on its way out).
 */
export class JobTaskQueue implements TaskQueue {
  constructor(private readonly jobs: PipelineJobs) {}

  submit(taskId: string): Effect.Effect<void, StorageFailure> {
    return this.jobs.submit(TRACKING_TASK_PIPELINE, { task_id: taskId }, { id: taskId }).pipe(
      Effect.asVoid,
      Effect.catch((error) => Effect.fail(error._tag === "StorageFailure" ? error : new StorageFailure({ message: `the jobs queue refused the task: ${error.message}`, cause: error }))),
    );
  }

  cancel(taskId: string): Effect.Effect<void, StorageFailure> {
    // Conflict: the job has ended already; NotFound: it was never queued. Either way, nothing to stop.
    return this.jobs.cancel(taskId).pipe(Effect.asVoid, Effect.catchTags({ Conflict: () => Effect.void, NotFound: () => Effect.void }));
  }

  run(taskId: string): Effect.Effect<QueuedRun, StorageFailure> {
    return this.jobs.get(taskId).pipe(
      Effect.map((job): QueuedRun => {
        switch (job.status) {
          case "pending":
            return { _tag: "Waiting" };
          case "running":
            return { _tag: "Running", cancelRequested: job.cancelRequested };
          default:
            return { _tag: "Ended", outcome: job.status, reason: job.error ?? "" };
        }
      }),
      Effect.catchTag("NotFound", () => Effect.succeed<QueuedRun>({ _tag: "Unknown" })),
    );
  }
}
