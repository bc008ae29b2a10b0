import * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import { settleQueuedTask, type SettleDeps } from "./settle-queued-task.js";
import type { EventLogEntry } from "./task-event-log.port.js";
import type { TaskPictures } from "./task-pictures.port.js";
import type { TrackingEvents } from "./tracking-events.port.js";
import { FINAL_STATUSES, statusPayload, type TrackingEvent, type TrackingUpdate } from "./tracking-task.js";

/**
 * The live events of a task that another process runs, replayed from what that process stores:
 * this process's `TrackingEvents` are fed by following the task's `TaskEventLog` (its statuses and
 * batch ends, each with the number of frames published before it) and its stored results (the
 * `tracking_update`s), so its subscribers (WebSocket clients) receive a worker's task as they would
 * one run here, in the same order.
 *
 * Every `pollMs` the log is read from where this follower stopped. A logged event is published
 * once the results before it are: the frames it counts are published first, and an event whose
 * frames are not stored yet (a worker appends results ten frame indices at a time) waits for the
 * next pass. A final status releases everything stored (a worker flushes its results before it, a
 * dead one will store nothing more) and ends the follower. While the log does not move, the run
 * is looked at instead: one that ended without logging the task's end (a crash) is settled
 * (`settleQueuedTask`), which logs it for the next pass. Store failures are retried.
 *
 * Pictures: while a subscriber here wants them, each relayed frame gets the pictures its worker
 * keeps (`TaskPictures`), read and base64-encoded once for all subscribers; a camera whose picture
 * is gone already (this host fell more than the worker's window behind) is sent without one. The
 * task's pictures are cleared before its final status is relayed, so none outlive a followed task.
 */
export interface FollowDeps extends SettleDeps {
  readonly events: TrackingEvents;
  /** Pictures kept by the worker; absent: updates are relayed as stored (no pictures). */
  readonly pictures?: TaskPictures;
}

export interface FollowOptions {
  readonly pollMs: number;
  /**
   * Publish the task from its first event (a task this process just queued); otherwise from its
   * latest status on (earlier results are history, read from the results route).
   */
  readonly fromStart: boolean;
}

export function followTask(deps: FollowDeps, taskId: string, options: FollowOptions): Effect.Effect<void> {
  return Effect.gen(function* () {
    /** The next result to publish (`global_frame_index`) and the next log entry to read. */
    let next = 0;
    let logged = 0;
    const waiting: EventLogEntry[] = [];
    const publish = (event: TrackingEvent) => deps.events.publish(taskId, event);
    if (!options.fromStart) {
      const log = yield* deps.log.read(taskId, 0);
      next = (yield* deps.store.results(taskId, {})).length;
      logged = log.length;
      // The latest status, then what follows it: a late subscriber's start, with no gap after it.
      const latest = log.findLast((entry) => entry.event.type === "status_update");
      if (latest) yield* publish(latest.event);
    }
    const publishFrames = (results: readonly TrackingUpdate[]) =>
      Effect.forEach(
        results,
        (result) =>
          Effect.andThen(
            Effect.flatMap(withPictures(deps, taskId, result), (payload) => publish({ type: "tracking_update", payload })),
            Effect.sync(() => {
              next = result.global_frame_index + 1;
            }),
          ),
        { discard: true },
      );
    const clearPictures = deps.pictures
      ? deps.pictures.clear(taskId).pipe(Effect.catch((error) => Effect.logWarning(`tracking: task ${taskId}: its pictures were not removed`, error)))
      : Effect.void;
    /** The record was final on a pass whose log had nothing new. */
    let finalUnlogged = false;

    /** One pass; true once the final status is out (or the task is gone). */
    const pass: Effect.Effect<boolean, NotFound | StorageFailure> = Effect.gen(function* () {
      const fresh = yield* deps.log.read(taskId, logged);
      logged += fresh.length;
      waiting.push(...fresh);
      if (waiting.length === 0) {
        const record = yield* settleQueuedTask(deps, yield* deps.store.get(taskId));
        if (!FINAL_STATUSES.has(record.status)) return false;
        // Final but not logged a whole pass later: its writer died between the record and the log.
        if (!finalUnlogged) {
          finalUnlogged = true;
          return false;
        }
        yield* publishFrames(yield* deps.store.results(taskId, { from: next }));
        yield* clearPictures;
        yield* publish({ type: "status_update", payload: statusPayload(record) });
        return true;
      }
      const ending = waiting.some((entry) => entry.event.type === "status_update" && FINAL_STATUSES.has(entry.event.payload.status));
      const results = yield* deps.store.results(taskId, { from: next });
      let r = 0;
      while (waiting.length > 0) {
        const entry = waiting[0]!;
        const final = entry.event.type === "status_update" && FINAL_STATUSES.has(entry.event.payload.status);
        const before = results.slice(r).findIndex((result) => !final && result.global_frame_index >= entry.frames);
        const end = before < 0 ? results.length : r + before;
        yield* publishFrames(results.slice(r, end));
        r = end;
        if (next < entry.frames && !ending) break;
        waiting.shift();
        if (final) yield* clearPictures;
        yield* publish(entry.event);
        if (final) return true;
      }
      // Stored results past every logged event come before any event logged later.
      yield* publishFrames(results.slice(r));
      return false;
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

/** The frame with the pictures its worker still keeps, when a subscriber here wants pictures. */
function withPictures(deps: FollowDeps, taskId: string, result: TrackingUpdate): Effect.Effect<TrackingUpdate> {
  const pictures = deps.pictures;
  if (!pictures) return Effect.succeed(result);
  return Effect.gen(function* () {
    if (!(yield* deps.events.framesWanted(taskId))) return result;
    const kept = yield* pictures.get(taskId, result.global_frame_index, Object.keys(result.cameras)).pipe(
      Effect.catch((error) => Effect.as(Effect.logWarning(`tracking: task ${taskId}: pictures of frame ${result.global_frame_index} not read`, error), new Map<string, Uint8Array>())),
    );
    if (kept.size === 0) return result;
    const cameras = Object.fromEntries(
      Object.entries(result.cameras).map(([id, view]) => {
        const jpeg = kept.get(id);
        return [id, jpeg ? { ...view, frame_image_base64: Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength).toString("base64") } : view];
      }),
    );
    return { ...result, cameras };
  });
}
