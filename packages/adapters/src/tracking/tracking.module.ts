import { resolve } from "node:path";
import { ContainerModule } from "inversify";
import { AppearanceEmbedder, FrameSource, HomographySource, PersonDetector, VideoCatalog } from "@parallax/application/tracking";
import { ConfigError } from "../composition/config.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { OsnetEmbedder } from "./osnet.embedder.js";
import { trackingConfigProblems, type TrackingConfig } from "./tracking.config.js";
import { YoloxDetector } from "./yolox.detector.js";

/**
 * Binds the tracking vision ports to the adapters chosen by configuration (DETECTOR, REID).
 * Nothing heavy happens here or at resolution: an ONNX adapter imports onnxruntime and loads its
 * model on first use (its `ready`), so a host that never tracks never loads the native runtime.
 * Not here yet: the pipeline use case, task store and events (they compose these ports).
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
    options.bind<HomographySource>(HomographySource).toResolvedValue(() => new FileHomographySource());
    options
      .bind<VideoCatalog>(VideoCatalog)
      .toResolvedValue(() => new FileVideoCatalog({ dataDir: config.DATA_DIR, ...(config.ENVIRONMENTS_FILE ? { file: config.ENVIRONMENTS_FILE } : {}) }));
  });
}
