import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Stream from "effect/Stream";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { Homography } from "@parallax/domain/tracking";
import type { Clock } from "../shared/clock.port.js";
import type { AppearanceEmbedder } from "./appearance-embedder.port.js";
import type { FrameEncoder } from "./frame-encoder.port.js";
import type { Frame, FrameSource } from "./frame-source.port.js";
import type { HomographySource } from "./homography-source.port.js";
import type { PersonDetector } from "./person-detector.port.js";
import { SceneTracking } from "./scene-tracking.js";
import type { TaskStore } from "./task-store.port.js";
import type { TrackingEvents } from "./tracking-events.port.js";
import { statusPayload, type TaskRecord, type TaskStatus, type TrackingUpdate } from "./tracking-task.js";
import type { Environment } from "./video-catalog.port.js";
import { localPathsOnly, type VideoLocations } from "./video-locations.port.js";

/**
 * One processing task, start to end, as an effect: cameras decoded in lockstep per sub-video
 * batch, detection batched across cameras, trackers and identities from the domain, events out
 * and results stored. It never fails: a failure becomes FAILED with its reason, an interruption
 * (cancel, shutdown) CANCELLED; the frame streams are scoped, so either way no decoder survives.
 */
export interface TrackingDeps {
  readonly frames: FrameSource;
  readonly detector: PersonDetector;
  readonly embedder: AppearanceEmbedder;
  readonly homographies: HomographySource;
  readonly store: TaskStore;
  readonly events: TrackingEvents;
  readonly clock: Clock;
  /** Pictures for subscribers that want them; a process without such clients (the CLI) has none. */
  readonly encoder?: FrameEncoder;
  /** Remote videos and calibrations (`s3://…`) fetched to local files; absent: local paths only. */
  readonly locations?: VideoLocations;
}

export interface TrackingOptions {
  /** Frames per second the videos are sampled to; absent: every frame. */
  readonly fps?: number;
  /** Frames are scaled to this width (height keeps the aspect) before detection; absent: as decoded. */
  readonly width?: number;
  /** A track's appearance is measured again every this many frames. */
  readonly embedEveryFrames: number;
  /** A status_update is sent every this many frame indices while processing (and at every change of step). */
  readonly statusEveryFrames: number;
}

export const DEFAULT_TRACKING_OPTIONS: TrackingOptions = { embedEveryFrames: 10, statusEveryFrames: 10 };

/**
 * What an interruption records. A cancel by default; a process that is stopped for another reason
 * (a worker shutting down) says so instead, as a failure.
 */
export interface Interruption {
  readonly status: "CANCELLED" | "FAILED";
  readonly details: string;
}
const CANCELLED_ON_REQUEST: Interruption = { status: "CANCELLED", details: "Cancelled on request." };

const NOMINAL_FPS = 10;

export function runTrackingTask(
  deps: TrackingDeps,
  queued: TaskRecord,
  environment: Environment,
  options: TrackingOptions = DEFAULT_TRACKING_OPTIONS,
  /** Asked once the task has been interrupted: what to record. */
  interruption: () => Interruption = () => CANCELLED_ON_REQUEST,
): Effect.Effect<TaskRecord> {
  let record = queued;
  const update = (change: Partial<TaskRecord>) =>
    Effect.gen(function* () {
      record = { ...record, ...change, last_update_time: deps.clock.now().toISOString() };
      yield* deps.store.put(record).pipe(Effect.ignore);
      yield* deps.events.publish(record.task_id, { type: "status_update", payload: statusPayload(record) });
    });
  const finish = (status: TaskStatus, details: string) =>
    update({ status, details, current_step: status === "COMPLETED" ? "Done" : status === "FAILED" ? "Failed" : "Cancelled", ...(status === "COMPLETED" ? { progress: 1 } : {}) });

  // Results are appended a few frames at a time: one file append per frame index cost ~4 ms.
  const pending: TrackingUpdate[] = [];
  const flush = Effect.suspend(() => (pending.length > 0 ? deps.store.append(record.task_id, pending.splice(0)) : Effect.void));
  const cameras = environment.cameras.map((c) => c.id);
  const locations = deps.locations ?? localPathsOnly;
  // The failure reason says which kind of file could not be fetched: "video s3://b/k not found".
  const localPath = (kind: "video" | "homography", location: string) =>
    locations.localPath(location).pipe(
      Effect.mapError((error) => (error._tag === "NotFound" ? new NotFound({ message: `${kind} ${error.message}` }) : new StorageFailure({ message: `${kind} ${error.message}`, cause: error.cause }))),
    );
  const batches = Math.min(...environment.cameras.map((c) => c.videos.length));

  const program = Effect.gen(function* () {
    yield* update({ status: "INITIALIZING", current_step: "Loading detector, re-ID model and homographies", total_sub_video_batches: batches });
    yield* deps.detector.ready;
    yield* deps.embedder.ready;
    const homographies = new Map<string, Homography>();
    for (const camera of environment.cameras) {
      if (camera.homography) homographies.set(camera.id, (yield* deps.homographies.load(yield* localPath("homography", camera.homography))).imageToMap);
    }
    yield* update({ status: "DOWNLOADING_DATA", current_step: "Fetching the videos" });
    // Local files for every sub-video this task plays (remote ones downloaded, or found in a cache).
    const videos = yield* Effect.forEach(environment.cameras, (camera) => Effect.forEach(camera.videos.slice(0, batches), (video) => localPath("video", video)), { concurrency: 4 });
    yield* update({ current_step: "Reading the videos' headers" });
    const probed = yield* deps.frames.probeAll(videos.flat());
    const infos = videos.map((_, c) => probed.slice(c * batches, (c + 1) * batches));
    // Lockstep ends with a batch's shortest video: the estimate is the sum of those.
    const perBatch = Array.from({ length: batches }, (_, k) =>
      Math.min(...infos.map((videos) => {
        const info = videos[k]!;
        const rate = Math.min(options.fps ?? Infinity, info.frameRate ?? NOMINAL_FPS);
        return info.durationMs === undefined ? 0 : Math.round((info.durationMs / 1000) * rate);
      })),
    );
    const totalFrames = perBatch.reduce((a, b) => a + b, 0);
    const fps = options.fps ?? infos[0]?.[0]?.frameRate ?? NOMINAL_FPS;
    yield* update({ status: "PROCESSING", current_step: `Processing sub-video batch 1 of ${batches}`, total_frames_estimate: totalFrames * cameras.length });

    const run = yield* deps.detector.open;
    const scene = new SceneTracking({ cameras, homographies, fps, embedEveryFrames: options.embedEveryFrames, ...(environment.overlaps ? { overlaps: environment.overlaps } : {}) });
    let globalFrame = 0;
    const sourceOptions = { ...(options.fps ? { fps: options.fps } : {}), ...(options.width ? { width: options.width } : {}) };
    for (let batch = 0; batch < batches; batch++) {
      scene.startBatch();
      if (batch > 0) yield* update({ current_step: `Processing sub-video batch ${batch + 1} of ${batches}` });
      // A frame or two of slack per camera: the decoders work on the next frame index while this one
      // is detected and tracked, and all cameras decode at once instead of in turn as the zip pulls.
      const streams = videos.map((paths) => deps.frames.frames(paths[batch]!, sourceOptions).pipe(Stream.buffer({ capacity: 2 })));
      yield* lockstep(streams).pipe(
        Stream.runForEach((frames) =>
          Effect.gen(function* () {
            // Boxes are in these frames' pixels; pictures sent to clients may be scaled down
            // (TRACKING_JPEG_MAX_WIDTH), so a viewer needs this size to place the boxes on them.
            // Stored before the first tracking_update goes out, so whoever draws one finds it.
            if (globalFrame === 0) {
              const sizes = Object.fromEntries(frames.map((frame, c) => [cameras[c]!, { width: frame.width, height: frame.height }]));
              yield* deps.store.putFrameSizes(record.task_id, sizes).pipe(Effect.ignore);
            }
            // Pictures are encoded off this thread (the encoder's pool) while this one detects.
            const wanted = deps.encoder !== undefined && (yield* deps.events.framesWanted(record.task_id));
            const [detections, pictures] = yield* Effect.all(
              [run.detect(frames.map((frame, c) => ({ camera: cameras[c]!, frame }))), wanted ? encodeAll(deps.encoder!, frames) : Effect.succeed(undefined)],
              { concurrency: 2 },
            );
            const tracked = scene.track(globalFrame, frames, detections);
            const embeddings = tracked.crops.length > 0 ? yield* deps.embedder.embed(tracked.crops) : undefined;
            const payload: TrackingUpdate = {
              frame_index: frames[0]!.index,
              global_frame_index: globalFrame,
              scene_id: environment.id,
              timestamp_processed_utc: deps.clock.now().toISOString(),
              cameras: tracked.identify(embeddings),
            };
            pending.push(payload);
            // The stored results never hold pictures: only the live event carries them. Published
            // before the results are stored: a worker keeps the frame's pictures for hosts as it
            // publishes, so a host that reads the frame from the results finds its pictures.
            yield* deps.events.publish(record.task_id, { type: "tracking_update", payload: pictures ? withPictures(payload, cameras, pictures) : payload });
            if (pending.length >= options.statusEveryFrames) yield* flush;
            globalFrame++;
            const processed = globalFrame * cameras.length;
            record = { ...record, processed_frames_count: processed };
            if (globalFrame % options.statusEveryFrames === 0) {
              const progress = record.total_frames_estimate > 0 ? Math.min(0.99, processed / record.total_frames_estimate) : 0;
              yield* update({ progress: Math.round(progress * 1000) / 1000 });
            }
          }),
        ),
      );
      yield* flush;
      yield* deps.events.publish(record.task_id, { type: "batch_processing_complete", payload: { sub_video_batch_index: batch } });
      yield* update({ completed_sub_video_batches: batch + 1 });
    }
    return globalFrame;
  });

  return program.pipe(
    // Finalisers run uninterruptibly: what the task ended as is recorded also when it is interrupted.
    Effect.onExit((exit) => {
      const ended = Exit.isSuccess(exit)
        ? finish("COMPLETED", `Processed ${exit.value} frame indices of ${cameras.length} cameras in ${batches} sub-video batches.`)
        : Cause.hasInterruptsOnly(exit.cause)
          ? Effect.suspend(() => {
              const { status, details } = interruption();
              return finish(status, details);
            })
          : finish("FAILED", reasonOf(exit.cause));
      // Results processed before a cancel or failure are kept too.
      return Effect.andThen(Effect.ignore(flush), ended);
    }),
    Effect.exit,
    Effect.map(() => record),
  );
}

/** A camera whose picture failed is sent without one: pictures are for viewers, the task goes on. */
function encodeAll(encoder: FrameEncoder, frames: readonly Frame[]): Effect.Effect<(string | undefined)[]> {
  return Effect.forEach(
    frames,
    (frame) => encoder.encode(frame).pipe(
      Effect.map((jpeg) => Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength).toString("base64")),
      Effect.orElseSucceed(() => undefined),
    ),
    { concurrency: "unbounded" },
  );
}

function withPictures(payload: TrackingUpdate, cameras: readonly string[], pictures: readonly (string | undefined)[]): TrackingUpdate {
  const withImages = { ...payload.cameras };
  cameras.forEach((id, c) => {
    const picture = pictures[c];
    if (picture !== undefined) withImages[id] = { ...withImages[id]!, frame_image_base64: picture };
  });
  return { ...payload, cameras: withImages };
}

/** Sub-video k of every camera, frame by frame: one array per frame index, ended by the shortest. */
function lockstep<E>(streams: readonly Stream.Stream<Frame, E>[]): Stream.Stream<Frame[], E> {
  const [first, ...rest] = streams;
  return rest.reduce<Stream.Stream<Frame[], E>>((zipped, next) => Stream.zipWith(zipped, next, (frames, frame) => [...frames, frame]), Stream.map(first!, (frame) => [frame]));
}

function reasonOf(cause: Cause.Cause<unknown>): string {
  const failure = Cause.findErrorOption(cause);
  const error: unknown = failure._tag === "Some" ? failure.value : Cause.squash(cause);
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string") return error.message;
  return String(error);
}
