import { Effect, Exit, Scope, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { makeTrackingTasks, type FrameEncoder, type TrackingEvent, type TrackingTasks } from "@parallax/application/tracking";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { SharpFrameEncoder } from "./sharp-frame.encoder.js";
import { demoCrossCameraIdf1, makeEnvironmentsFile, weightFreeTrackingDeps } from "./tracking-task.testkit.js";
import { ffmpegChildren, missing, tempDir } from "./vision.testkit.js";

/**
 * The processing task through its use case with the real weight-free adapters (ffmpeg, motion
 * detector, histograms, files): the HTTP tests in apps/http/src/tracking cover the wire.
 */
// Measured 0.59 on the demo (motion detector + histograms, ByteTrack): the weight-free detector misses
// people whose figures touch and partly out-of-view ones, which caps it. Recorded floor:
/** Measured on the demo: 0.631 with the multi-view floor association (0.592 with the identity manager it replaced; 0.636 if every box had its true person's id). */
const CROSS_CAMERA_IDF1_FLOOR = 0.6;

async function withTasks<A>(options: { file?: string; encoder?: FrameEncoder }, body: (tasks: TrackingTasks, catalog: FileVideoCatalog) => Promise<A>): Promise<A> {
  const dataDir = tempDir("tasks");
  const catalog = new FileVideoCatalog({ dataDir, ...(options.file ? { file: options.file } : {}) });
  const deps = weightFreeTrackingDeps(dataDir, catalog, options.encoder ? { encoder: options.encoder } : {});
  const scope = await Effect.runPromise(Scope.make());
  try {
    const tasks = await Effect.runPromise(Scope.provide(makeTrackingTasks(deps), scope));
    return await body(tasks, catalog);
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
}

/** Starts a task and collects its events until it finishes. */
async function startAndCollect(tasks: TrackingTasks, environment: string, onEvent?: (event: TrackingEvent, taskId: string) => void) {
  const record = await Effect.runPromise(tasks.start(environment));
  return { taskId: record.task_id, events: await collect(tasks, record.task_id, false, onEvent) };
}

async function collect(tasks: TrackingTasks, taskId: string, frames: boolean, onEvent?: (event: TrackingEvent, taskId: string) => void) {
  const events = await Effect.runPromise(
    Effect.scoped(Effect.flatMap(tasks.events(taskId, { frames }), (stream) => Stream.runCollect(Stream.tap(stream, (event) => Effect.sync(() => onEvent?.(event, taskId))))))
  );
  return [...events];
}

/** The real encoder, counting the pictures it makes. */
function countingEncoder() {
  const sharp = new SharpFrameEncoder({ quality: 70, maxWidth: 640 });
  const counter = { count: 0, encode: (frame: Parameters<FrameEncoder["encode"]>[0]) => Effect.tap(sharp.encode(frame), () => Effect.sync(() => counter.count++)) };
  return counter;
}

const pictures = (events: readonly TrackingEvent[]) =>
  events.flatMap((e) => (e.type === "tracking_update" ? Object.values(e.payload.cameras).flatMap((c) => (c.frame_image_base64 ? [c.frame_image_base64] : [])) : []));

describe.skipIf(missing({ ffmpeg: true }))("a processing task on real videos", () => {
  it("tracks the demo to COMPLETED through every status, one update per frame index with every camera, global ids above the IDF1 floor", async () => {
    await withTasks({}, async (tasks, catalog) => {
      const { taskId, events } = await startAndCollect(tasks, "demo");
      const statuses = events.filter((e) => e.type === "status_update").map((e) => e.payload.status);
      expect([...new Set(statuses)]).toEqual(["QUEUED", "INITIALIZING", "DOWNLOADING_DATA", "PROCESSING", "COMPLETED"]);
      const updates = events.flatMap((e) => (e.type === "tracking_update" ? [e.payload] : []));
      expect(updates.map((u) => u.global_frame_index)).toEqual(updates.map((_, i) => i));
      expect(updates).toHaveLength(120);
      for (const u of updates) expect(Object.keys(u.cameras)).toEqual(["cam1", "cam2", "cam3", "cam4"]);
      expect(events.filter((e) => e.type === "batch_processing_complete").map((e) => e.payload.sub_video_batch_index)).toEqual([0, 1]);
      const final = await Effect.runPromise(tasks.status(taskId));
      expect(final).toMatchObject({ status: "COMPLETED", progress: 1, completed_sub_video_batches: 2, processed_frames_count: 480, total_frames_estimate: 480 });
      expect(await Effect.runPromise(tasks.results(taskId, {}))).toEqual(updates);
      expect((await Effect.runPromise(tasks.results(taskId, { from: 10, to: 20 }))).map((u) => u.global_frame_index)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      // A subscriber after the end receives the final status and nothing else (from the store: the live channel is gone).
      expect(await collect(tasks, taskId, false)).toEqual([{ type: "status_update", payload: expect.objectContaining({ status: "COMPLETED", progress: 1 }) }]);
      const idf1 = demoCrossCameraIdf1(catalog.demoDir, updates);
      process.stdout.write(`demo cross-camera IDF1 ${idf1.toFixed(3)}\n`);
      expect(idf1).toBeGreaterThan(CROSS_CAMERA_IDF1_FLOOR);
    });
  }, 60_000);

  it("cancel mid-run ends the task CANCELLED and leaves no ffmpeg running", async () => {
    const file = makeEnvironmentsFile(tempDir("long-env"), { cameras: 2, seconds: 60 });
    await withTasks({ file }, async (tasks) => {
      let cancelled: Promise<unknown> | undefined;
      const { taskId, events } = await startAndCollect(tasks, "test", (event, id) => {
        if (event.type === "tracking_update" && !cancelled) {
          expect(ffmpegChildren().length).toBe(2);
          cancelled = Effect.runPromise(tasks.cancel(id));
        }
      });
      await cancelled;
      expect(events.at(-1)).toMatchObject({ type: "status_update", payload: { status: "CANCELLED" } });
      expect((await Effect.runPromise(tasks.status(taskId))).status).toBe("CANCELLED");
      expect(ffmpegChildren()).toEqual([]);
    });
  }, 60_000);

  it("a corrupt video fails the task with ffmpeg's reason", async () => {
    const file = makeEnvironmentsFile(tempDir("corrupt-env"), { cameras: 2, seconds: 2, corrupt: "c2" });
    await withTasks({ file }, async (tasks) => {
      const { taskId } = await startAndCollect(tasks, "test");
      const record = await Effect.runPromise(tasks.status(taskId));
      expect(record.status).toBe("FAILED");
      expect(record.details).toMatch(/Invalid data found when processing input/);
      expect(ffmpegChildren()).toEqual([]);
    });
  }, 60_000);

  it("encodes pictures once per camera and frame index for all subscribers that want them, none when none does, and stores none", async () => {
    const file = makeEnvironmentsFile(tempDir("pictures-env"), { cameras: 2, seconds: 2 });
    const encoder = countingEncoder();
    await withTasks({ file, encoder }, async (tasks) => {
      const unwatched = await startAndCollect(tasks, "test");
      expect(pictures(unwatched.events)).toEqual([]);
      expect(encoder.count).toBe(0);

      const { task_id } = await Effect.runPromise(tasks.start("test"));
      const [first, second, bare] = await Promise.all([collect(tasks, task_id, true), collect(tasks, task_id, true), collect(tasks, task_id, false)]);
      expect(pictures(first).length).toBeGreaterThan(30);
      expect(pictures(second)).toEqual(pictures(first));
      expect(encoder.count).toBe(pictures(first).length);
      expect(pictures(bare)).toEqual([]);
      expect(JSON.stringify(await Effect.runPromise(tasks.results(task_id, {})))).not.toContain("frame_image_base64");
    });
  }, 60_000);

  it("an unknown environment is refused before anything is queued", async () => {
    await withTasks({}, async (tasks) => {
      const exit = await Effect.runPromiseExit(tasks.start("nowhere"));
      expect(JSON.stringify(exit)).toContain("NotFound");
      expect(await Effect.runPromise(tasks.list)).toEqual([]);
    });
  });
});
