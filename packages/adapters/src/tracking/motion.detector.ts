import * as Effect from "effect/Effect";
import type { CameraFrame, DetectionRun, ModelRejected, PersonDetector } from "@parallax/application/tracking";
import { MotionDetector, type MotionDetectorOptions } from "@parallax/domain/tracking";

/**
 * The weight-free default: the domain's motion detector, one background model per camera of a
 * run. Nothing to load, so it is always ready.
 */
export class MotionPersonDetector implements PersonDetector {
  constructor(private readonly options: Partial<MotionDetectorOptions> = {}) {}

  readonly ready: Effect.Effect<void, ModelRejected> = Effect.void;

  readonly open: Effect.Effect<DetectionRun> = Effect.sync(() => {
    const models = new Map<string, MotionDetector>();
    return {
      detect: (frames: readonly CameraFrame[]) =>
        Effect.sync(() =>
          frames.map(({ camera, frame }) => {
            let model = models.get(camera);
            if (model === undefined) models.set(camera, (model = new MotionDetector(this.options)));
            return model.detect(frame.data, frame.width, frame.height);
          }),
        ),
    };
  });
}
