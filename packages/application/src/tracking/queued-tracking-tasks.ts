import * as Effect from "effect/Effect";
import * as FiberMap from "effect/FiberMap";
import * as Option from "effect/Option";
import type * as Scope from "effect/Scope";
import { NotFound } from "@parallax/domain";
import { frameImage } from "./frame-image.js";
import { followTask } from "./follow-task.js";
import type { TrackingOptions } from "./run-tracking-task.js";
import { settleQueuedTask } from "./settle-queued-task.js";
import type { TaskEventLog } from "./task-event-log.port.js";
import type { TaskQueue } from "./task-queue.port.js";
import { FINAL_STATUSES, statusPayload, type TaskRecord } from "./tracking-task.js";
import { liveEvents, queuedRecord, type TrackingTasks, type TrackingTasksDeps } from "./tracking-tasks.js";

/**
 * `TrackingTasks` whose tasks run in other processes (workers taking them from a `TaskQueue`),
 * against the `TaskStore` this process shares with them. This process stores the QUEUED record,
 * queues the task, and follows it (`followTask`) into its own `TrackingEvents` for its subscribers;
 * it never decodes a video for a task (only for the frames route, when the worker keeps no picture of the frame).
 *
 * - start: unknown environment refused before anything is stored or queued; a task the queue
 *   refuses is recorded FAILED with the reason.
 * - cancel: asks the queue to stop the run, then waits (up to `cancelWaitMs`) until the task's
 *   record is final; it answers the record as it then is.
 * - status and awaitTask settle a task whose run ended without recording its end (a crashed worker).
 * - events: followers run in the scope `makeQueuedTrackingTasks` runs in, one per task (started with
 *   the task, or by the first subscriber of a task queued elsewhere), until the task's final status.
 * - pictures: a follower clears a task's pictures before relaying its end, but a task that ended
 *   while no host followed it (its host restarted, or another host accepted it) would keep the last
 *   frames its worker wrote. Whenever this process answers a final record (status, cancel,
 *   awaitTask, list) it clears that task's pictures, once per task and process, unless a follower
 *   here is still relaying the task (it clears them itself, after the last frame); and at start it
 *   sweeps the pictures of every task already final (one listing, in the background).
 */
export interface QueuedTrackingTasksDeps extends TrackingTasksDeps {
  readonly queue: TaskQueue;
  /** Where workers log their tasks' statuses for hosts to follow. */
  readonly log: TaskEventLog;
}

export interface QueueFollowOptions {
  /** How often a followed task's record is read. */
  readonly pollMs: number;
  /** How long `cancel` waits for the run to record CANCELLED. */
  readonly cancelWaitMs: number;
}

export const DEFAULT_QUEUE_FOLLOW_OPTIONS: QueueFollowOptions = { pollMs: 200, cancelWaitMs: 10_000 };

export function makeQueuedTrackingTasks(
  deps: QueuedTrackingTasksDeps,
  options?: TrackingOptions,
  follow: QueueFollowOptions = DEFAULT_QUEUE_FOLLOW_OPTIONS,
): Effect.Effect<TrackingTasks, never, Scope.Scope> {
  return Effect.gen(function* () {
    const followers = yield* FiberMap.make<string>();
    const startFollowing = (taskId: string, fromStart: boolean) =>
      Effect.asVoid(FiberMap.run(followers, taskId, followTask(deps, taskId, { pollMs: follow.pollMs, fromStart }), { onlyIfMissing: true }));
    /** Tasks whose pictures this process has removed (or found none of): cleared at most once each. */
    const cleared = new Set<string>();
    const clearPicturesOf = (record: TaskRecord): Effect.Effect<void> =>
      Effect.gen(function* () {
        const pictures = deps.pictures;
        if (!pictures || !FINAL_STATUSES.has(record.status) || cleared.has(record.task_id)) return;
        if (yield* FiberMap.has(followers, record.task_id)) return;
        yield* pictures.clear(record.task_id).pipe(
          Effect.andThen(Effect.sync(() => cleared.add(record.task_id))),
          Effect.catch((error) => Effect.logWarning(`tracking: task ${record.task_id}: its pictures were not removed`, error)),
        );
      });
    const current = (taskId: string) => Effect.flatMap(deps.store.get(taskId), (record) => Effect.tap(settleQueuedTask(deps, record), clearPicturesOf));
    const list = Effect.tap(deps.store.list, (records) => Effect.forEach(records, clearPicturesOf, { discard: true }));
    /** The task's record once final (polled, settled on the way). */
    const untilFinal = (taskId: string) =>
      Effect.gen(function* () {
        while (true) {
          const record = yield* current(taskId);
          if (FINAL_STATUSES.has(record.status)) return record;
          yield* Effect.sleep(follow.pollMs);
        }
      });

    const tasks: TrackingTasks = {
      start: (environmentId, owner) =>
        Effect.gen(function* () {
          const record = queuedRecord(deps, yield* deps.catalog.environment(environmentId), owner);
          const write = (written: TaskRecord) =>
            Effect.andThen(deps.store.put(written), deps.log.append(written.task_id, { frames: 0, event: { type: "status_update", payload: statusPayload(written) } }));
          yield* write(record);
          yield* deps.queue.submit(record.task_id).pipe(
            Effect.tapError((error) => {
              const now = deps.clock.now().toISOString();
              return Effect.ignore(write({ ...record, status: "FAILED", current_step: "Failed", details: `Not queued: ${error.message}`, last_update_time: now }));
            }),
          );
          yield* startFollowing(record.task_id, true);
          return record;
        }),
      status: current,
      list,
      cancel: (taskId) =>
        Effect.gen(function* () {
          const record = yield* current(taskId);
          if (FINAL_STATUSES.has(record.status)) return record;
          yield* deps.queue.cancel(taskId);
          const ended = yield* Effect.timeoutOption(untilFinal(taskId), follow.cancelWaitMs);
          return Option.isSome(ended) ? ended.value : yield* deps.store.get(taskId);
        }),
      results: (taskId, range) => deps.store.results(taskId, range),
      frameSizes: (taskId) => deps.store.frameSizes(taskId),
      events: (taskId, subscribe = {}) => liveEvents(deps, taskId, subscribe, startFollowing(taskId, false)),
      frameImage: (taskId, cameraId, globalFrame) =>
        Effect.gen(function* () {
          // A picture the worker still keeps (a running task's recent frames) is served as it is.
          const kept = deps.pictures ? yield* Effect.orElseSucceed(deps.pictures.get(taskId, globalFrame, [cameraId]), () => new Map<string, Uint8Array>()) : undefined;
          const jpeg = kept?.get(cameraId);
          if (jpeg) return jpeg;
          return yield* deps.encoder
            ? frameImage({ ...deps, encoder: deps.encoder }, options ?? {}, taskId, cameraId, globalFrame)
            : Effect.fail(new NotFound({ message: "This process encodes no pictures." }));
        }),
      awaitTask: untilFinal,
    };
    // Pictures left by tasks that ended while no host followed them (e.g. while this host was down).
    if (deps.pictures) yield* Effect.forkScoped(list.pipe(Effect.catch((error) => Effect.logWarning("tracking: pictures of finished tasks not swept", error))));
    return tasks;
  });
}
