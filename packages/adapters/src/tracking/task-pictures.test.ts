import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit, Fiber, Scope, Stream } from "effect";
import { describe, expect, it } from "vitest";
import {
  JournaledTrackingEvents,
  PICTURE_WINDOW_FRAMES,
  followTask,
  makeQueuedTrackingTasks,
  type QueuedTrackingTasksDeps,
  statusPayload,
  type TaskPictures,
  type TaskQueue,
  type TaskRecord,
  type TaskStatus,
  type TrackingEvent,
  type TrackingUpdate,
} from "@parallax/application/tracking";
import { SystemClock } from "../shared/system-clock.js";
import { FileTaskEventLog } from "./file-task-event.log.js";
import { FileTaskPictures } from "./file-task.pictures.js";
import { FileTaskStore } from "./file-task.store.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { tempDir } from "./vision.testkit.js";

/**
 * Pictures of tasks run by workers: kept by the worker's `JournaledTrackingEvents` in
 * `FileTaskPictures` (a window of frame indices), attached by the host's `followTask` for
 * subscribers that want them, removed with the task's end.
 */
const ID = "0b4f3c1e-5a2d-4e8f-9c7b-1a2b3c4d5e6f";
const jpeg = (i: number, camera: string) => Buffer.from([0xff, 0xd8, i % 256, camera.length, 0xff, 0xd9]);
const base64 = (i: number, camera: string) => jpeg(i, camera).toString("base64");
const update = (i: number, pictures: boolean): TrackingUpdate => ({
  frame_index: i, global_frame_index: i, scene_id: "demo", timestamp_processed_utc: "2026-01-01T00:00:00.000Z",
  cameras: Object.fromEntries(["cam1", "cam 2"].map((c) => [c, { image_source: `${i}.jpg`, tracks: [], ...(pictures ? { frame_image_base64: base64(i, c) } : {}) }])),
});
const record = (status: TaskStatus, processed = 0): TaskRecord => ({
  task_id: ID, environment_id: "demo", status, progress: 0, current_step: status, details: "", start_time: "2026-01-01T00:00:00.000Z",
  last_update_time: "2026-01-01T00:00:00.000Z", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 4, processed_frames_count: processed,
});

describe("FileTaskPictures", () => {
  it("keeps a frame's pictures whole, reads those still there, removes a frame or the task's all", async () => {
    const root = tempDir("task-pictures");
    const pictures = new FileTaskPictures(root);
    await Effect.runPromise(pictures.put(ID, 3, new Map([["cam1", jpeg(3, "cam1")], ["cam 2", jpeg(3, "cam 2")]])));
    const read = await Effect.runPromise(pictures.get(ID, 3, ["cam1", "cam 2", "cam3"]));
    expect([...read.keys()]).toEqual(["cam1", "cam 2"]);
    expect(Buffer.from(read.get("cam 2")!)).toEqual(jpeg(3, "cam 2"));
    // No temp file left beside the pictures.
    expect(readdirSync(join(root, ID, "pictures", "3")).sort()).toEqual(["cam%202.jpg", "cam1.jpg"]);
    expect((await Effect.runPromise(pictures.get(ID, 4, ["cam1"]))).size).toBe(0);
    await Effect.runPromise(pictures.remove(ID, 3));
    expect((await Effect.runPromise(pictures.get(ID, 3, ["cam1"]))).size).toBe(0);
    await Effect.runPromise(pictures.put(ID, 5, new Map([["cam1", jpeg(5, "cam1")]])));
    await Effect.runPromise(pictures.clear(ID));
    expect(existsSync(join(root, ID, "pictures"))).toBe(false);
    // Nothing to remove is not a failure.
    await Effect.runPromise(Effect.andThen(pictures.remove(ID, 5), pictures.clear(ID)));
  });
});

describe("pictures of a worker's task", () => {
  it("the worker keeps every frame's pictures, the newest window of frame indices only, and publishes none locally", async () => {
    const root = tempDir("task-pictures-window");
    const local = new InProcessTrackingEvents();
    const worker = new JournaledTrackingEvents(local, new FileTaskEventLog(root), new FileTaskPictures(root));
    // The task encodes pictures for the hosts' sockets although nobody subscribes here.
    expect(await Effect.runPromise(worker.framesWanted(ID))).toBe(true);
    const scope = await Effect.runPromise(Scope.make());
    const seen: TrackingEvent[] = [];
    const stream = await Effect.runPromise(Scope.provide(local.subscribe(ID, { frames: true }), scope));
    const reader = Effect.runFork(Stream.runForEach(stream, (event) => Effect.sync(() => seen.push(event))));
    const frames = PICTURE_WINDOW_FRAMES + 5;
    for (let i = 0; i < frames; i++) await Effect.runPromise(worker.publish(ID, { type: "tracking_update", payload: update(i, true) }));
    const kept = readdirSync(join(root, ID, "pictures")).map(Number).sort((a, b) => a - b);
    expect(kept).toEqual(Array.from({ length: PICTURE_WINDOW_FRAMES }, (_, i) => i + 5));
    await expect.poll(() => seen.length).toBe(frames);
    for (const event of seen) expect(JSON.stringify(event)).not.toContain("frame_image_base64");
    await Effect.runPromise(Fiber.interrupt(reader));
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });

  it("the host attaches them once per frame for subscribers that want pictures, and removes them before relaying the end", async () => {
    const root = tempDir("task-pictures-follow");
    const store = new FileTaskStore(root);
    const log = new FileTaskEventLog(root);
    const pictures = new FileTaskPictures(root);
    const queue: TaskQueue = { submit: () => Effect.void, cancel: () => Effect.void, run: () => Effect.succeed({ _tag: "Running", cancelRequested: false }) };
    const worker = new JournaledTrackingEvents(new InProcessTrackingEvents(), log, pictures);
    const write = (next: TaskRecord) => Effect.runPromise(Effect.andThen(store.put(next), worker.publish(ID, { type: "status_update", payload: statusPayload(next) })));
    await write(record("PROCESSING"));
    for (const i of [0, 1, 2]) await Effect.runPromise(worker.publish(ID, { type: "tracking_update", payload: update(i, true) }));
    await Effect.runPromise(store.append(ID, [0, 1, 2].map((i) => update(i, false))));
    // Frame 1's picture of "cam 2" gone before the host read it (a slow host): sent without it.
    rmSync(join(root, ID, "pictures", "1", "cam%202.jpg"));
    await write(record("COMPLETED", 3));

    const host = new InProcessTrackingEvents();
    const scope = await Effect.runPromise(Scope.make());
    const wanting: TrackingUpdate[] = [];
    const stream = await Effect.runPromise(Scope.provide(host.subscribe(ID, { frames: true }), scope));
    const reader = Effect.runFork(Stream.runForEach(stream, (event) => Effect.sync(() => event.type === "tracking_update" && wanting.push(event.payload))));
    await Effect.runPromise(followTask({ store, log, queue, pictures, events: host, clock: new SystemClock() }, ID, { pollMs: 5, fromStart: true }));
    await expect.poll(() => wanting.length).toBe(3);
    expect(wanting.map((u) => Object.fromEntries(Object.entries(u.cameras).map(([c, v]) => [c, v.frame_image_base64])))).toEqual([
      { cam1: base64(0, "cam1"), "cam 2": base64(0, "cam 2") },
      { cam1: base64(1, "cam1"), "cam 2": undefined },
      { cam1: base64(2, "cam1"), "cam 2": base64(2, "cam 2") },
    ]);
    expect(existsSync(join(root, ID, "pictures"))).toBe(false);
    await Effect.runPromise(Fiber.interrupt(reader));
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });

  it("reads no picture while no subscriber wants them", async () => {
    const root = tempDir("task-pictures-unwanted");
    const store = new FileTaskStore(root);
    const log = new FileTaskEventLog(root);
    const pictures = new FileTaskPictures(root);
    let reads = 0;
    const counted: TaskPictures = {
      put: (...args) => pictures.put(...args),
      get: (...args) => Effect.andThen(Effect.sync(() => reads++), pictures.get(...args)),
      remove: (...args) => pictures.remove(...args),
      clear: (...args) => pictures.clear(...args),
    };
    const queue: TaskQueue = { submit: () => Effect.void, cancel: () => Effect.void, run: () => Effect.succeed({ _tag: "Running", cancelRequested: false }) };
    const worker = new JournaledTrackingEvents(new InProcessTrackingEvents(), log, pictures);
    await Effect.runPromise(Effect.andThen(store.put(record("PROCESSING")), worker.publish(ID, { type: "status_update", payload: statusPayload(record("PROCESSING")) })));
    await Effect.runPromise(worker.publish(ID, { type: "tracking_update", payload: update(0, true) }));
    await Effect.runPromise(store.append(ID, [update(0, false)]));
    await Effect.runPromise(Effect.andThen(store.put(record("COMPLETED", 1)), worker.publish(ID, { type: "status_update", payload: statusPayload(record("COMPLETED", 1)) })));
    const host = new InProcessTrackingEvents();
    const scope = await Effect.runPromise(Scope.make());
    const received: TrackingEvent[] = [];
    const stream = await Effect.runPromise(Scope.provide(host.subscribe(ID), scope));
    const reader = Effect.runFork(Stream.runForEach(stream, (event) => Effect.sync(() => received.push(event))));
    await Effect.runPromise(followTask({ store, log, queue, pictures: counted, events: host, clock: new SystemClock() }, ID, { pollMs: 5, fromStart: true }));
    await expect.poll(() => received.filter((e) => e.type === "tracking_update").length).toBe(1);
    expect(reads).toBe(0);
    expect(JSON.stringify(received)).not.toContain("frame_image_base64");
    expect(existsSync(join(root, ID, "pictures"))).toBe(false);
    await Effect.runPromise(Fiber.interrupt(reader));
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });

  it("a task that ended while no host followed it: its pictures go when its status is read, and at a host's start; a running task's stay", async () => {
    const root = tempDir("task-pictures-unfollowed");
    const store = new FileTaskStore(root);
    const log = new FileTaskEventLog(root);
    const pictures = new FileTaskPictures(root);
    const queue: TaskQueue = { submit: () => Effect.void, cancel: () => Effect.void, run: () => Effect.succeed({ _tag: "Running", cancelRequested: false }) };
    const worker = new JournaledTrackingEvents(new InProcessTrackingEvents(), log, pictures);
    /** A task run by a worker with no socket attached anywhere: pictures of two frames, then `status`. */
    const runTask = async (id: string, status: TaskStatus) => {
      const at = (s: TaskStatus, processed = 0) => ({ ...record(s, processed), task_id: id });
      await Effect.runPromise(Effect.andThen(store.put(at("PROCESSING")), worker.publish(id, { type: "status_update", payload: statusPayload(at("PROCESSING")) })));
      for (const i of [0, 1]) await Effect.runPromise(worker.publish(id, { type: "tracking_update", payload: update(i, true) }));
      await Effect.runPromise(store.append(id, [0, 1].map((i) => update(i, false))));
      if (status !== "PROCESSING") await Effect.runPromise(Effect.andThen(store.put(at(status, 2)), worker.publish(id, { type: "status_update", payload: statusPayload(at(status, 2)) })));
      expect(existsSync(join(root, id, "pictures"))).toBe(true);
    };
    let sweeps = 0;
    const counted = { get: (id: string) => store.get(id), list: Effect.tap(store.list, () => Effect.sync(() => sweeps++)) };
    const host = (scope: Scope.Scope) => {
      // Only what these paths touch: the store, the queue (settling) and the pictures.
      const deps = { store: counted, log, queue, pictures, events: new InProcessTrackingEvents(), clock: new SystemClock() } as unknown as QueuedTrackingTasksDeps;
      return Effect.runPromise(Scope.provide(makeQueuedTrackingTasks(deps), scope));
    };

    // Ended before a host started: swept at its start. Still running: kept.
    const ENDED = "1c4f3c1e-5a2d-4e8f-9c7b-1a2b3c4d5e6f";
    const RUNNING = "2c4f3c1e-5a2d-4e8f-9c7b-1a2b3c4d5e6f";
    await runTask(ENDED, "COMPLETED");
    await runTask(RUNNING, "PROCESSING");
    const scope = await Effect.runPromise(Scope.make());
    const tasks = await host(scope);
    await expect.poll(() => sweeps).toBe(1);
    expect(existsSync(join(root, ENDED, "pictures"))).toBe(false);
    expect(existsSync(join(root, RUNNING, "pictures"))).toBe(true);

    // Ended after the host started, nobody following it: cleared when its status is read.
    await runTask(ID, "COMPLETED");
    expect((await Effect.runPromise(tasks.status(ID))).status).toBe("COMPLETED");
    expect(existsSync(join(root, ID, "pictures"))).toBe(false);
    // The record, results and log are the task's; only the pictures go.
    expect((await Effect.runPromise(store.results(ID, {}))).length).toBe(2);
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });

  it("the frames route serves a picture the worker still keeps, without decoding", async () => {
    const root = tempDir("task-pictures-route");
    const pictures = new FileTaskPictures(root);
    await Effect.runPromise(pictures.put(ID, 7, new Map([["cam 2", jpeg(7, "cam 2")]])));
    // Only what this path touches: a decode would need the frame source, which is absent.
    const deps = { pictures, store: new FileTaskStore(root), log: new FileTaskEventLog(root), events: new InProcessTrackingEvents(), clock: new SystemClock() } as unknown as QueuedTrackingTasksDeps;
    const served = await Effect.runPromise(Effect.scoped(Effect.flatMap(makeQueuedTrackingTasks(deps), (tasks) => tasks.frameImage(ID, "cam 2", 7))));
    expect(Buffer.from(served)).toEqual(jpeg(7, "cam 2"));
  });
});
