/**
 * The tracking capability's container module: the vision ports bound to the adapters the
 * configuration selects, and `trackingTasksDeps` for building `TrackingTasks`. Not the tasks
 * themselves, whose scope the caller (the host, the `track` command) owns.
 */
import { join, resolve } from "node:path";
import { ContainerModule, type Container } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import { AppearanceEmbedder, FrameEncoder, FrameSource, HomographySource, PersonDetector, TaskStore, TrackingEvents, VideoCatalog, type TrackingTasksDeps } from "@parallax/application/tracking";
import { ConfigError } from "../composition/config.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileTaskStore } from "./file-task.store.js";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { OsnetEmbedder } from "./osnet.embedder.js";
import { SharpFrameEncoder } from "./sharp-frame.encoder.js";
import { trackingConfigProblems, type TrackingConfig } from "./tracking.config.js";
import { YoloxDetector } from "./yolox.detector.js";

/**
 * Binds the tracking vision ports to the adapters chosen by configuration (DETECTOR, REID).
 * Nothing heavy happens here or at resolution: an ONNX adapter imports onnxruntime and loads its
 * model on first use (its `ready`), so a host that never tracks never loads the native runtime;
 * the JPEG encoder likewise imports sharp on its first picture.
 */
export function trackingModule(config: TrackingConfig & { readonly DATA_DIR: string }): ContainerModule {
  const problems = trackingConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  const threads = config.DETECT_THREADS;
  return new ContainerModule((options) => {
    options.bind<FrameSource>(FrameSource).toResolvedValue(() => new FfmpegFrameSource());
    options
      .bind<PersonDetector>(PersonDetector)
      .toResolvedValue(() => (config.DETECTOR === "onnx" ? new YoloxDetector({ model: resolve(config.DETECTOR_MODEL), threads }) : new MotionPersonDetector()));
    options
      .bind<AppearanceEmbedder>(AppearanceEmbedder)
      .toResolvedValue(() => (config.REID === "onnx" ? new OsnetEmbedder({ model: resolve(config.REID_MODEL), threads }) : new HistogramEmbedder()));
    options
      .bind<FrameEncoder>(FrameEncoder)
      .toResolvedValue(() => new SharpFrameEncoder({ quality: config.TRACKING_JPEG_QUALITY, maxWidth: config.TRACKING_JPEG_MAX_WIDTH }));
    options.bind<HomographySource>(HomographySource).toResolvedValue(() => new FileHomographySource());
    options
      .bind<VideoCatalog>(VideoCatalog)
      .toResolvedValue(() => new FileVideoCatalog({ dataDir: config.DATA_DIR, ...(config.ENVIRONMENTS_FILE ? { file: config.ENVIRONMENTS_FILE } : {}) }));
    options.bind<TaskStore>(TaskStore).toResolvedValue(() => new FileTaskStore(join(resolve(config.DATA_DIR), "tracking", "tasks")));
    options.bind<TrackingEvents>(TrackingEvents).toResolvedValue(() => new InProcessTrackingEvents());
  });
}

/** What `makeTrackingTasks` needs, from a container with this module loaded; the caller owns the tasks' scope. */
export function trackingTasksDeps(container: Container): TrackingTasksDeps {
  return {
    frames: container.get<FrameSource>(FrameSource),
    encoder: container.get<FrameEncoder>(FrameEncoder),
    detector: container.get<PersonDetector>(PersonDetector),
    embedder: container.get<AppearanceEmbedder>(AppearanceEmbedder),
    homographies: container.get<HomographySource>(HomographySource),
    store: container.get<TaskStore>(TaskStore),
    events: container.get<TrackingEvents>(TrackingEvents),
    catalog: container.get<VideoCatalog>(VideoCatalog),
    clock: container.get<Clock>(Clock),
    ids: container.get<IdGenerator>(IdGenerator),
  };
}
