import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit, Stream } from "effect";
import { describe, expect, it } from "vitest";
import type { StatusPayload, TaskRecord, TrackingUpdate } from "@parallax/application/tracking";
import { FileTaskStore } from "./file-task.store.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { tempDir } from "./vision.testkit.js";

const status = (s: StatusPayload["status"]): StatusPayload => ({
  status: s, progress: 0, current_step: s, details: "", start_time: "2026-01-01T00:00:00.000Z", last_update_time: "2026-01-01T00:00:00.000Z",
  environment_id: "demo", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 0, processed_frames_count: 0,
});
const record = (id: string, startTime: string): TaskRecord => ({ ...status("QUEUED"), task_id: id, start_time: startTime });
const update = (i: number): TrackingUpdate => ({
  frame_index: i, global_frame_index: i, scene_id: "demo", timestamp_processed_utc: "2026-01-01T00:00:00.000Z",
  cameras: { cam1: { image_source: `${String(i).padStart(6, "0")}.jpg`, tracks: [{ track_id: 1, bbox_xyxy: [1, 2, 3, 4], class_id: 1 }] } },
});

describe("FileTaskStore", () => {
  it("keeps records and results, lists most recent first, reads windows, and ignores a last line cut by a crash", async () => {
    const root = tempDir("task-store");
    const store = new FileTaskStore(root);
    await Effect.runPromise(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    await Effect.runPromise(store.put(record("b", "2026-01-02T00:00:00.000Z")));
    await Effect.runPromise(store.append("a", [update(0), update(1), update(2)]));
    appendFileSync(join(root, "a", "results.jsonl"), '{"frame_index": 3, "glo');
    expect((await Effect.runPromise(store.list)).map((r) => r.task_id)).toEqual(["b", "a"]);
    expect(await Effect.runPromise(store.results("a", {}))).toEqual([update(0), update(1), update(2)]);
    expect(await Effect.runPromise(store.results("a", { from: 1, to: 2 }))).toEqual([update(1)]);
    expect(await Effect.runPromise(store.results("b", {}))).toEqual([]);
  });

  it("a reader that resumes where it stopped gets what was appended since, also after a line cut while it was written, and an earlier window still reads whole", async () => {
    const root = tempDir("task-store-resume");
    const store = new FileTaskStore(root);
    await Effect.runPromise(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    await Effect.runPromise(store.append("a", [update(0), update(1)]));
    expect(await Effect.runPromise(store.results("a", { from: 0 }))).toEqual([update(0), update(1)]);
    // The next line is being written: half of it is there.
    const line = `${JSON.stringify(update(2))}\n`;
    appendFileSync(join(root, "a", "results.jsonl"), line.slice(0, 20));
    expect(await Effect.runPromise(store.results("a", { from: 2 }))).toEqual([]);
    appendFileSync(join(root, "a", "results.jsonl"), line.slice(20));
    await Effect.runPromise(store.append("a", [update(3)]));
    expect(await Effect.runPromise(store.results("a", { from: 2 }))).toEqual([update(2), update(3)]);
    expect(await Effect.runPromise(store.results("a", { from: 4 }))).toEqual([]);
    expect(await Effect.runPromise(store.results("a", { from: 1, to: 3 }))).toEqual([update(1), update(2)]);
    expect(await Effect.runPromise(store.results("a", {}))).toEqual([0, 1, 2, 3].map(update));
  });

  it("keeps each camera's frame size beside the record: {} until written, NotFound for an unknown task, a damaged file a StorageFailure", async () => {
    const root = tempDir("task-store-sizes");
    const store = new FileTaskStore(root);
    await Effect.runPromise(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    expect(await Effect.runPromise(store.frameSizes("a"))).toEqual({});
    await Effect.runPromise(store.putFrameSizes("a", { cam1: { width: 1920, height: 1080 }, cam2: { width: 320, height: 180 } }));
    expect(await Effect.runPromise(store.frameSizes("a"))).toEqual({ cam1: { width: 1920, height: 1080 }, cam2: { width: 320, height: 180 } });
    // The record (the §D status payload) is not touched.
    expect(await Effect.runPromise(store.get("a"))).toEqual(record("a", "2026-01-01T00:00:00.000Z"));
    expect(JSON.stringify(await Effect.runPromiseExit(store.frameSizes("missing")))).toContain("Processing task not found.");
    expect(Exit.isFailure(await Effect.runPromiseExit(store.putFrameSizes("../etc", {})))).toBe(true);
    writeFileSync(join(root, "a", "cameras.json"), JSON.stringify({ cam1: { width: -1, height: 1080 } }));
    const exit = await Effect.runPromiseExit(store.frameSizes("a"));
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("damaged cameras.json");
  });

  it("answers NotFound for an unknown or path-like id, and a damaged record is a StorageFailure, not a wrong object", async () => {
    const root = tempDir("task-store-bad");
    const store = new FileTaskStore(root);
    for (const id of ["missing", "../etc"]) expect(JSON.stringify(await Effect.runPromiseExit(store.get(id)))).toContain("Processing task not found.");
    await Effect.runPromise(store.put(record("c", "2026-01-01T00:00:00.000Z")));
    writeFileSync(join(root, "c", "state.json"), JSON.stringify({ ...record("c", "x"), status: "RUNNING" }));
    const exit = await Effect.runPromiseExit(store.get("c"));
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("StorageFailure");
  });
});

describe("InProcessTrackingEvents", () => {
  it("gives a late subscriber the latest status first, then what follows, per task", async () => {
    const events = new InProcessTrackingEvents();
    const received = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* events.publish("t", { type: "status_update", payload: status("QUEUED") });
          yield* events.publish("t", { type: "status_update", payload: status("PROCESSING") });
          yield* events.publish("other", { type: "status_update", payload: status("FAILED") });
          const stream = yield* events.subscribe("t");
          yield* events.publish("t", { type: "tracking_update", payload: update(0) });
          yield* events.publish("t", { type: "status_update", payload: status("COMPLETED") });
          return yield* Stream.runCollect(Stream.take(stream, 3));
        }),
      ),
    );
    expect([...received].map((e) => (e.type === "status_update" ? e.payload.status : e.type))).toEqual(["PROCESSING", "tracking_update", "COMPLETED"]);
  });

  it("forgets a task's channel once its final status is out and its last subscriber has left, and keeps a running one", async () => {
    const events = new InProcessTrackingEvents();
    const received = await Effect.runPromise(
      Effect.gen(function* () {
        yield* events.publish("running", { type: "status_update", payload: status("PROCESSING") });
        yield* events.publish("ended-alone", { type: "status_update", payload: status("QUEUED") });
        yield* events.publish("ended-alone", { type: "status_update", payload: status("FAILED") });
        expect(events.channelCount).toBe(1);
        const received = yield* Effect.scoped(
          Effect.gen(function* () {
            yield* events.publish("watched", { type: "status_update", payload: status("PROCESSING") });
            const stream = yield* events.subscribe("watched", { frames: true });
            yield* events.publish("watched", { type: "status_update", payload: status("COMPLETED") });
            // Finished, but a subscriber is still reading: the channel stays until it leaves.
            expect(events.channelCount).toBe(2);
            return yield* Stream.runCollect(Stream.take(stream, 2));
          }),
        );
        expect(events.channelCount).toBe(1);
        // A subscriber to a task already forgotten opens a channel of its own, closed when it leaves.
        yield* Effect.scoped(Effect.andThen(events.subscribe("watched"), Effect.sync(() => expect(events.channelCount).toBe(2))));
        expect(events.channelCount).toBe(1);
        expect(yield* events.framesWanted("watched")).toBe(false);
        return received;
      }),
    );
    expect([...received].map((e) => (e.type === "status_update" ? e.payload.status : e.type))).toEqual(["PROCESSING", "COMPLETED"]);
  });
});
