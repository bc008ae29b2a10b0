/**
 * `@parallax/adapters/tracking`: the adapters of the vision ports (ffmpeg, ONNX and weight-free
 * detectors and embedders, homographies, catalog, task store, events), the tracking configuration
 * and `trackingModule`. Not the algorithms (domain/tracking) nor test kits. See README.md.
 */
export * from "./tracking.module.js";
export * from "./tracking.config.js";
export * from "./ffmpeg-frame.source.js";
export * from "./yolox.detector.js";
export * from "./osnet.embedder.js";
export * from "./motion.detector.js";
export * from "./histogram.embedder.js";
export * from "./file-homography.source.js";
export * from "./npz.js";
export * from "./npy.js";
export * from "./ffmpeg-binary.js";
export * from "./onnx-worker.js";
export * from "./ffmpeg-video.writer.js";
export * from "./demo-environment.js";
export * from "./environments.schema.js";
export * from "./file-video.catalog.js";
export * from "./s3-location.js";
export * from "./s3-video.locations.js";
export * from "./file-task.store.js";
export * from "./in-process-tracking.events.js";
export * from "./tracking-payload.schema.js";
export * from "./sharp-frame.encoder.js";
export * from "./job.task-queue.js";
export * from "./tracking-task.pipeline.js";
export * from "./file-task-event.log.js";
export * from "./file-task.pictures.js";
export * from "./dynamodb-task.store.js";
