import { Effect, Exit, Fiber, Scope, Stream } from "effect";
import { describe, expect, it } from "vitest";
import {
  JournaledTrackingEvents,
  followTask,
  statusPayload,
  type QueuedRun,
  type TaskQueue,
  type TaskRecord,
  type TaskStatus,
  type TrackingEvent,
  type TrackingUpdate,
} from "@parallax/application/tracking";
import { SystemClock } from "../shared/system-clock.js";
import { FileTaskEventLog } from "./file-task-event.log.js";
import { FileTaskStore } from "./file-task.store.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { tempDir } from "./vision.testkit.js";

/**
 * `followTask` against the file store and event log a worker writes: what a host's subscribers
 * receive is what the worker published, in its order, whatever the timing of the two processes.
 */
const ID = "7d0c6a5e-0b7e-4f43-9d7e-3f1d1f6a2b10";
const record = (status: TaskStatus, processed = 0): TaskRecord => ({
  task_id: ID, environment_id: "demo", status, progress: 0, current_step: status, details: "", start_time: "2026-01-01T00:00:00.000Z",
  last_update_time: "2026-01-01T00:00:00.000Z", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 8, processed_frames_count: processed,
});
const update = (i: number): TrackingUpdate => ({ frame_index: i, global_frame_index: i, scene_id: "demo", timestamp_processed_utc: "2026-01-01T00:00:00.000Z", cameras: { cam1: { image_source: `${String(i).padStart(6, "0")}.jpg`, tracks: [] } } });
const label = (event: TrackingEvent) =>
  event.type === "status_update" ? `${event.payload.status} ${event.payload.processed_frames_count}` : event.type === "tracking_update" ? `frame ${event.payload.global_frame_index}` : `batch ${event.payload.sub_video_batch_index}`;

function setup(run: () => QueuedRun = () => ({ _tag: "Running", cancelRequested: false })) {
  const root = tempDir("follow-task");
  const store = new FileTaskStore(root);
  const log = new FileTaskEventLog(root);
  const queue: TaskQueue = { submit: () => Effect.void, cancel: () => Effect.void, run: () => Effect.sync(run) };
  const host = new InProcessTrackingEvents();
  // The worker's side: its events journaled, its record and results stored.
  const worker = new JournaledTrackingEvents(new InProcessTrackingEvents(), log);
  const write = (next: TaskRecord) => Effect.runPromise(Effect.andThen(store.put(next), worker.publish(ID, { type: "status_update", payload: statusPayload(next) })));
  const frame = (i: number) => Effect.runPromise(worker.publish(ID, { type: "tracking_update", payload: update(i) }));
  const store_ = (...indices: number[]) => Effect.runPromise(store.append(ID, indices.map(update)));
  return { store, log, queue, host, worker, write, frame, storeResults: store_ };
}

/** Subscribes on the host side first, then follows; resolves the labels of what arrived up to the final status. */
async function follow(deps: ReturnType<typeof setup>, fromStart: boolean) {
  const scope = await Effect.runPromise(Scope.make());
  const received: string[] = [];
  const stream = await Effect.runPromise(Scope.provide(deps.host.subscribe(ID), scope));
  const reader = Effect.runFork(Stream.runForEach(stream, (event) => Effect.sync(() => received.push(label(event)))));
  const follower = Effect.runFork(followTask({ ...deps, events: deps.host, clock: new SystemClock() }, ID, { pollMs: 5, fromStart }));
  return {
    received,
    done: async () => {
      await Effect.runPromise(Fiber.join(follower));
      await Effect.runPromise(Fiber.interrupt(reader));
      await Effect.runPromise(Scope.close(scope, Exit.void));
      return received;
    },
  };
}

describe("followTask", () => {
  it("replays every status, frame and batch end in the worker's order, holding a status until the frames it counts are stored", async () => {
    const deps = setup();
    await deps.write(record("QUEUED"));
    const host = await follow(deps, true);
    await deps.write(record("INITIALIZING"));
    await deps.write(record("PROCESSING"));
    for (const i of [0, 1, 2]) await deps.frame(i);
    await deps.write(record("PROCESSING", 3));
    // Two of the three frames stored: the host gets them, and the status must wait for the third.
    await deps.storeResults(0, 1);
    await expect.poll(() => host.received.filter((l) => l.startsWith("frame"))).toEqual(["frame 0", "frame 1"]);
    await deps.storeResults(2);
    await deps.frame(3);
    await deps.storeResults(3);
    await Effect.runPromise(deps.worker.publish(ID, { type: "batch_processing_complete", payload: { sub_video_batch_index: 0 } }));
    await deps.write({ ...record("COMPLETED", 4), completed_sub_video_batches: 1 });
    expect(await host.done()).toEqual(["QUEUED 0", "INITIALIZING 0", "PROCESSING 0", "frame 0", "frame 1", "frame 2", "PROCESSING 3", "frame 3", "batch 0", "COMPLETED 4"]);
  });

  it("started late, begins with the latest status and goes on from there", async () => {
    const deps = setup();
    await deps.write(record("QUEUED"));
    await deps.write(record("PROCESSING"));
    for (const i of [0, 1]) await deps.frame(i);
    await deps.storeResults(0, 1);
    await deps.write(record("PROCESSING", 2));
    const host = await follow(deps, false);
    await expect.poll(() => host.received).toEqual(["PROCESSING 2"]);
    await deps.frame(2);
    await deps.storeResults(2);
    await deps.write(record("CANCELLED", 3));
    expect(await host.done()).toEqual(["PROCESSING 2", "frame 2", "CANCELLED 3"]);
  });

  it("settles a task whose run died without recording its end: FAILED with the run's reason, in the record and the log", async () => {
    let run: QueuedRun = { _tag: "Running", cancelRequested: false };
    const deps = setup(() => run);
    await deps.write(record("QUEUED"));
    await deps.write(record("PROCESSING"));
    await deps.frame(0);
    await deps.storeResults(0);
    const host = await follow(deps, true);
    await expect.poll(() => host.received).toEqual(["QUEUED 0", "PROCESSING 0", "frame 0"]);
    run = { _tag: "Ended", outcome: "failed", reason: "Process killed by signal SIGKILL" };
    expect(await host.done()).toEqual(["QUEUED 0", "PROCESSING 0", "frame 0", "FAILED 0"]);
    const failed = await Effect.runPromise(deps.store.get(ID));
    expect(failed).toMatchObject({ status: "FAILED", details: "The worker's run of this task failed: Process killed by signal SIGKILL" });
    expect((await Effect.runPromise(deps.log.read(ID, 0))).at(-1)).toEqual({ frames: 1, event: { type: "status_update", payload: statusPayload(failed) } });
  });

  it("ends with the record's final status when its writer died between the record and the log", async () => {
    const deps = setup(() => ({ _tag: "Ended", outcome: "completed", reason: "" }));
    await deps.write(record("QUEUED"));
    await deps.frame(0);
    await deps.storeResults(0);
    await Effect.runPromise(deps.store.put(record("COMPLETED", 1)));
    const host = await follow(deps, true);
    expect(await host.done()).toEqual(["QUEUED 0", "frame 0", "COMPLETED 1"]);
  });
});
