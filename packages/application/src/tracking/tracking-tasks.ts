import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as FiberMap from "effect/FiberMap";
import * as Stream from "effect/Stream";
import type * as Scope from "effect/Scope";
import { LOCAL_USER_ID, NotFound, type StorageFailure } from "@parallax/domain";
import type { IdGenerator } from "../shared/id-generator.port.js";
import { frameImage } from "./frame-image.js";
import { runTrackingTask, type TrackingDeps, type TrackingOptions } from "./run-tracking-task.js";
import type { TaskPictures } from "./task-pictures.port.js";
import type { FrameSize, ResultRange } from "./task-store.port.js";
import type { SubscribeOptions } from "./tracking-events.port.js";
import { FINAL_STATUSES, statusPayload, withoutFrames, type TaskRecord, type TrackingEvent, type TrackingUpdate } from "./tracking-task.js";
import type { FrameEncodeFailed, VideoDecodeFailed } from "./vision-errors.js";
import type { Environment, VideoCatalog } from "./video-catalog.port.js";

/**
 * The processing tasks of one process: started in the background, listed, cancelled, their
 * results and live events read. Each running task is a fiber of a `FiberMap` owned by the scope
 * `makeTrackingTasks` runs in, so closing that scope (the host shutting down) cancels every task
 * and, through the tasks' own scopes, stops every decoder.
 */
export interface TrackingTasks {
  /** Unknown environment → NotFound before anything is queued. `owner`: the user starting it (absent: `local`). */
  start(environmentId: string, owner?: string): Effect.Effect<TaskRecord, NotFound | StorageFailure>;
  status(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure>;
  readonly list: Effect.Effect<readonly TaskRecord[], StorageFailure>;
  /** Interrupts a running task and waits until it is CANCELLED; a finished task is left as it ended. */
  cancel(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure>;
  results(taskId: string, range: ResultRange): Effect.Effect<readonly TrackingUpdate[], NotFound | StorageFailure>;
  /** Each camera's frame size (the pixels of its boxes); `{}` until the task has decoded its first frames. */
  frameSizes(taskId: string): Effect.Effect<Readonly<Record<string, FrameSize>>, NotFound | StorageFailure>;
  /**
   * The latest status, then live events; ends after the status that finishes the task. Pictures
   * only with `frames` (and only while some subscriber wants them are they encoded at all).
   */
  events(taskId: string, options?: SubscribeOptions): Effect.Effect<Stream.Stream<TrackingEvent>, NotFound | StorageFailure, Scope.Scope>;
  /** A JPEG of one camera at one `global_frame_index`, decoded again; NotFound for an unknown task, camera or frame. */
  frameImage(taskId: string, cameraId: string, globalFrame: number): Effect.Effect<Uint8Array, NotFound | StorageFailure | VideoDecodeFailed | FrameEncodeFailed>;
  /** Waits until the task has finished (the CLI's "run to the end"). */
  awaitTask(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure>;
}
export const TrackingTasks = Symbol.for("parallax.TrackingTasks");

/** The ports `makeTrackingTasks` runs on (bound as one value; whoever runs the tasks owns their scope). */
export interface TrackingTasksDeps extends TrackingDeps {
  readonly catalog: VideoCatalog;
  readonly ids: IdGenerator;
  /**
   * Pictures of tasks run by workers, kept by the worker for the hosts that relay its updates
   * (`JournaledTrackingEvents`, `followTask`); tasks run in this process never use it.
   */
  readonly pictures?: TaskPictures;
}
export const TrackingTasksDeps = Symbol.for("parallax.TrackingTasksDeps");

export function makeTrackingTasks(deps: TrackingTasksDeps, options?: TrackingOptions): Effect.Effect<TrackingTasks, never, Scope.Scope> {
  return Effect.gen(function* () {
    const running = yield* FiberMap.make<string, TaskRecord, never>();
    const tasks: TrackingTasks = {
      start: (environmentId, owner) =>
        Effect.gen(function* () {
          const environment = yield* deps.catalog.environment(environmentId);
          const record = queuedRecord(deps, environment, owner);
          yield* deps.store.put(record);
          yield* deps.events.publish(record.task_id, { type: "status_update", payload: statusPayload(record) });
          yield* FiberMap.run(running, record.task_id)(runTrackingTask(deps, record, environment, options));
          return record;
        }),
      status: (taskId) => deps.store.get(taskId),
      list: deps.store.list,
      cancel: (taskId) =>
        Effect.gen(function* () {
          const record = yield* deps.store.get(taskId);
          if (FINAL_STATUSES.has(record.status)) return record;
          // Removing interrupts the fiber and waits for it: its finaliser records CANCELLED.
          yield* FiberMap.remove(running, taskId);
          return yield* deps.store.get(taskId);
        }),
      results: (taskId, range) => deps.store.results(taskId, range),
      frameSizes: (taskId) => deps.store.frameSizes(taskId),
      events: (taskId, subscribe = {}) => liveEvents(deps, taskId, subscribe),
      frameImage: (taskId, cameraId, globalFrame) =>
        deps.encoder
          ? frameImage({ ...deps, encoder: deps.encoder }, options ?? {}, taskId, cameraId, globalFrame)
          : Effect.fail(new NotFound({ message: "This process encodes no pictures." })),
      awaitTask: (taskId) =>
        Effect.gen(function* () {
          const fiber = yield* FiberMap.get(running, taskId);
          if (fiber._tag === "Some") yield* Effect.exit(Fiber.join(fiber.value));
          return yield* deps.store.get(taskId);
        }),
    };
    return tasks;
  });
}

/** A new task's record, QUEUED, as `start` stores it before anything runs. */
export function queuedRecord(deps: Pick<TrackingTasksDeps, "clock" | "ids">, environment: Environment, owner?: string): TaskRecord {
  const now = deps.clock.now().toISOString();
  return {
    task_id: deps.ids.next(),
    // No owner means the local user's, so that one is not written (records stay as they were with AUTH=none).
    ...(owner === undefined || owner === LOCAL_USER_ID ? {} : { owner }),
    environment_id: environment.id,
    status: "QUEUED",
    progress: 0,
    current_step: "Queued",
    details: "",
    start_time: now,
    last_update_time: now,
    total_sub_video_batches: Math.min(...environment.cameras.map((c) => c.videos.length)),
    completed_sub_video_batches: 0,
    total_frames_estimate: 0,
    processed_frames_count: 0,
  };
}

/**
 * `TrackingTasks.events`: the latest status, then live events, ending after the final status.
 * `follow` runs after subscribing and before the store is read (a queued task's follower starts there).
 */
export function liveEvents(
  deps: Pick<TrackingTasksDeps, "events" | "store">,
  taskId: string,
  subscribe: SubscribeOptions,
  follow: Effect.Effect<void> = Effect.void,
): Effect.Effect<Stream.Stream<TrackingEvent>, NotFound | StorageFailure, Scope.Scope> {
  return Effect.gen(function* () {
    const live = yield* deps.events.subscribe(taskId, subscribe);
    // Read after subscribing: a task still running then publishes its final status to this
    // subscription; one already finished may have had its channel forgotten, so its final
    // status comes from the store.
    const record = yield* deps.store.get(taskId);
    if (FINAL_STATUSES.has(record.status)) return Stream.make<TrackingEvent[]>({ type: "status_update", payload: statusPayload(record) });
    yield* follow;
    const sent = subscribe.frames ? live : Stream.map(live, withoutFrames);
    return sent.pipe(Stream.takeUntil((event) => event.type === "status_update" && FINAL_STATUSES.has(event.payload.status)));
  });
}
