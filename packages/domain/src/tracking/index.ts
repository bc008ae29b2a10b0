/**
 * `@parallax/domain/tracking`: the pure tracking core (trackers, assignment, Kalman, homographies,
 * cross-camera identities, MOT metrics, the scene simulator, weight-free detection and appearance).
 * Not video, models or tasks (`@parallax/application/tracking` and its adapters). See README.md.
 */
export * from "./random.js";
export * from "./geometry.js";
export * from "./overlaps.js";
export * from "./lapjv.js";
export * from "./mot-format.js";
export * from "./mot-sequence.js";
export * from "./mot-metrics.js";
export * from "./hota.js";
export * from "./mot-evaluation.js";
export * from "./kalman.js";
export * from "./track.js";
export * from "./tracker.js";
export * from "./bytetrack.js";
export * from "./botsort.js";
export * from "./mot-tracking.js";
export * from "./homography.js";
export * from "./camera.js";
export * from "./simulator.js";
export * from "./identity-config.js";
export * from "./identity-manager.js";
export * from "./floor-kalman.js";
export * from "./floor-coverage.js";
export * from "./floor-identities.js";
export * from "./floor-identity-config.js";
export * from "./predicted-boxes.js";
export * from "./multi-camera.js";
export * from "./scene-evaluation.js";
export * from "./scene-export.js";
export * from "./scene-calibration.js";
export * from "./robustness-scenes.js";
export * from "./image-kernels.js";
export * from "./yolox-decode.js";
export * from "./binary-image.js";
export * from "./motion-detector.js";
export * from "./colour-histogram.js";
export * from "./calibration.js";
export * from "./figure-painter.js";
