import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { NotFound, type StorageFailure } from "@parallax/domain";
import type { FrameEncoder } from "./frame-encoder.port.js";
import type { FrameSource } from "./frame-source.port.js";
import type { TaskStore } from "./task-store.port.js";
import type { TrackingOptions } from "./run-tracking-task.js";
import type { VideoCatalog } from "./video-catalog.port.js";
import { localPathsOnly, type VideoLocations } from "./video-locations.port.js";
import type { FrameEncodeFailed, VideoDecodeFailed } from "./vision-errors.js";

/**
 * One camera's picture at one `global_frame_index` of a task, decoded again from its sub-video
 * (results never hold pictures): the stored results say which frame of which sub-video batch it
 * was, the task's sampling rate says when that frame is, and the decoder seeks there and stops
 * after one frame. Scaled as the task scaled it, so the stored boxes fit the picture.
 */
export interface FrameImageDeps {
  readonly frames: FrameSource;
  readonly encoder: FrameEncoder;
  readonly store: TaskStore;
  readonly catalog: VideoCatalog;
  /** The task fetched its remote videos into a cache: found there again (absent: local paths only). */
  readonly locations?: VideoLocations;
}

export function frameImage(
  deps: FrameImageDeps, options: Pick<TrackingOptions, "fps" | "width">, taskId: string, cameraId: string, globalFrame: number,
): Effect.Effect<Uint8Array, NotFound | StorageFailure | VideoDecodeFailed | FrameEncodeFailed> {
  const missing = () => new NotFound({ message: "Frame not found." });
  return Effect.gen(function* () {
    const record = yield* deps.store.get(taskId);
    // Frame 0 of each batch marks where the batch starts: the batch is how many of them came before.
    const results = yield* deps.store.results(taskId, { to: globalFrame + 1 });
    const update = results.at(-1);
    if (update?.global_frame_index !== globalFrame || !(cameraId in update.cameras)) return yield* Effect.fail(missing());
    const batch = results.filter((u) => u.frame_index === 0).length - 1;
    const environment = yield* deps.catalog.environment(record.environment_id);
    const location = environment.cameras.find((c) => c.id === cameraId)?.videos[batch];
    if (location === undefined) return yield* Effect.fail(missing());
    const video = yield* (deps.locations ?? localPathsOnly).localPath(location);
    const fps = options.fps ?? (yield* deps.frames.probe(video)).frameRate ?? 10;
    const source = deps.frames.frames(video, {
      startMs: (update.frame_index * 1000) / fps, maxFrames: 1, ...(options.fps ? { fps: options.fps } : {}), ...(options.width ? { width: options.width } : {}),
    });
    const frame = yield* Stream.runHead(source);
    if (frame._tag === "None") return yield* Effect.fail(missing());
    return yield* deps.encoder.encode(frame.value);
  });
}
