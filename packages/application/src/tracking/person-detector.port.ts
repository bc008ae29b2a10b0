import type * as Effect from "effect/Effect";
import type { FrameDetections } from "@parallax/domain/tracking";
import type { Frame } from "./frame-source.port.js";
import type { InferenceFailed, ModelRejected } from "./vision-errors.js";

/** A frame and the camera it comes from (stateful detectors keep their state per camera). */
export interface CameraFrame {
  readonly camera: string;
  readonly frame: Frame;
}

/**
 * The detections of a run of frames. A run belongs to one task: the motion detector's background
 * models live in it and are dropped with it, so two tasks on the same camera never share state.
 */
export interface DetectionRun {
  /**
   * People in each frame, in the order given: packed xyxy boxes in the frame's pixels and scores
   * in [0, 1]. One call may mix cameras; batching them is the adapter's business. Calls on one
   * run may take turns (a model runs one batch at a time), so concurrency comes from batching.
   */
  detect(frames: readonly CameraFrame[]): Effect.Effect<readonly FrameDetections[], InferenceFailed>;
}

export interface PersonDetector {
  /** Loads what the detector needs (model weights) once; later calls answer at once. */
  readonly ready: Effect.Effect<void, ModelRejected>;
  /** Starts a run, loading first where `ready` has not run yet. */
  readonly open: Effect.Effect<DetectionRun, ModelRejected>;
}
export const PersonDetector = Symbol.for("parallax.PersonDetector");
