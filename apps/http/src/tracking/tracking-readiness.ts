import * as Effect from "effect/Effect";
import type { Logger } from "@parallax/adapters";
import type { TrackingTasksDeps } from "@parallax/application/tracking";

/**
 * §D's readiness flags for `GET /health`: the old test client waits until the detector, the
 * re-ID model and the homographies are loaded. They are loaded once in the background when the
 * host starts, and each flag turns true when its part is done; a failure is logged and leaves its
 * flag false. Only environments already prepared are loaded: the built-in demo is rendered (with
 * its calibration) on its first use, so a host start never spends seconds of ffmpeg on it.
 */
export function loadReadiness(deps: TrackingTasksDeps) {
  const state = { detector: false, reid: false, homographies: false };
  const load = Effect.gen(function* () {
    yield* deps.detector.ready.pipe(Effect.tap(() => Effect.sync(() => (state.detector = true))));
    yield* deps.embedder.ready.pipe(Effect.tap(() => Effect.sync(() => (state.reid = true))));
    for (const id of yield* deps.catalog.preparedIds) {
      const environment = yield* deps.catalog.environment(id);
      for (const camera of environment.cameras) if (camera.homography) yield* deps.homographies.load(camera.homography);
    }
    state.homographies = true;
  });
  return {
    flags: () => ({
      detector_model_loaded: state.detector,
      "prototype_tracker_loaded (reid_model)": state.reid,
      homography_matrices_precomputed: state.homographies,
    }),
    start(logger: Logger): void {
      void Effect.runPromiseExit(load).then((exit) => {
        if (exit._tag === "Failure") logger.warn({ cause: String(exit.cause) }, "tracking readiness: loading failed");
      });
    },
  };
}
