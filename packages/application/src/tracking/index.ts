/**
 * `@parallax/application/tracking`: the processing task, `TrackingTasks` and the vision ports it
 * runs on (frames, detector, embedder, homographies, catalog, task store, events). Not ffmpeg,
 * ONNX or files (adapters/tracking) nor the pure algorithms (domain/tracking). See README.md.
 */
export * from "./vision-errors.js";
export * from "./frame-source.port.js";
export * from "./frame-encoder.port.js";
export * from "./person-detector.port.js";
export * from "./appearance-embedder.port.js";
export * from "./homography-source.port.js";
export * from "./video-catalog.port.js";
export * from "./video-locations.port.js";
export * from "./tracking-task.js";
export * from "./task-store.port.js";
export * from "./tracking-events.port.js";
export * from "./scene-tracking.js";
export * from "./run-tracking-task.js";
export * from "./tracking-tasks.js";
export * from "./tracking-task-access.js";
export * from "./task-queue.port.js";
export * from "./settle-queued-task.js";
export * from "./follow-task.js";
export * from "./queued-tracking-tasks.js";
export * from "./task-event-log.port.js";
export * from "./task-pictures.port.js";
export * from "./journaled-tracking-events.js";
