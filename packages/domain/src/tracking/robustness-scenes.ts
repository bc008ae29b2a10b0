import * as Result from "effect/Result";
import { calibrationNoiseRandom, fitCalibration, floorGridPairs, withPixelNoise } from "./scene-calibration.js";
import type { CameraTruth, TrueFloorPosition } from "./scene-evaluation.js";
import { exportScene, floorRows } from "./scene-export.js";
import { LOOKALIKE_APPEARANCE, simulateScene, withClockOffset, type SimulatedScene, type SimulationOverrides } from "./simulator.js";

/**
 * Issue 9's robustness configurations of cross-camera identity: calibration noise, cameras
 * without overlap, a crowd, look-alikes, a camera one frame off, other seeds, camera counts and
 * crowd sizes. The identity-table bench prints them all; the multi-view scene tests hold floors on
 * the same scenes.
 */
export interface RobustnessConfiguration {
  readonly name: string;
  readonly scene: SimulationOverrides;
  /** Standard deviation (px) of the noise on the image side of the calibration point pairs. */
  readonly calibrationNoisePx?: number;
  readonly clockOffset?: { readonly camera: string; readonly frames: number };
}

export const ROBUSTNESS_CONFIGURATIONS: readonly RobustnessConfiguration[] = [
  { name: "default", scene: {} },
  { name: "noise 2 px", scene: {}, calibrationNoisePx: 2 },
  { name: "noise 5 px", scene: {}, calibrationNoisePx: 5 },
  { name: "noise 10 px", scene: {}, calibrationNoisePx: 10 },
  { name: "disjoint", scene: { layout: "disjoint" } },
  { name: "crowd 40", scene: { people: 40 } },
  { name: "lookalikes", scene: { appearance: LOOKALIKE_APPEARANCE } },
  { name: "cam2 clock +1 frame", scene: {}, clockOffset: { camera: "cam2", frames: 1 } },
  { name: "seed 2", scene: { seed: 2 } },
  { name: "seed 3", scene: { seed: 3 } },
  { name: "3 cameras, 10 people", scene: { cameras: 3, people: 10 } },
  { name: "3 cameras, 40 people", scene: { cameras: 3, people: 40 } },
  { name: "6 cameras, 10 people", scene: { cameras: 6, people: 10 } },
  { name: "6 cameras, 40 people", scene: { cameras: 6, people: 40 } },
  { name: "seed 2, 4 cameras, 30 people", scene: { seed: 2, cameras: 4, people: 30 } },
  { name: "seed 3, 6 cameras, 40 people", scene: { seed: 3, cameras: 6, people: 40 } },
  { name: "seed 5, 3 cameras, 15 people", scene: { seed: 5, cameras: 3, people: 15 } },
];

export interface RobustnessScene {
  /** The simulated scene, every camera's image → floor homography fitted from its (noisy) grid point pairs. */
  readonly scene: SimulatedScene;
  /** What evaluateScene scores the result against. */
  readonly truth: readonly CameraTruth[];
  readonly floor: readonly TrueFloorPosition[];
}

/** The configuration's scene, calibrated as `parallax eval-scene` calibrates a scene directory (from its point pairs). */
export function robustnessScene(configuration: RobustnessConfiguration, frames = 600): RobustnessScene {
  let scene = simulateScene({ frames, ...configuration.scene });
  if (configuration.clockOffset) scene = withClockOffset(scene, configuration.clockOffset.camera, configuration.clockOffset.frames);
  const noise = calibrationNoiseRandom(scene.config.seed);
  const cameras = scene.cameras.map((camera, c) => {
    const fitted = fitCalibration(withPixelNoise(floorGridPairs(camera, scene.config, c), configuration.calibrationNoisePx ?? 0, noise));
    if (Result.isFailure(fitted)) throw new Error(`${configuration.name}: ${camera.id}: ${fitted.failure}`);
    return { ...camera, imageToMap: fitted.success };
  });
  return {
    scene: { ...scene, cameras },
    truth: exportScene(scene).map((c) => ({ camera: c.id, groundTruth: c.groundTruth, detections: c.detections })),
    floor: floorRows(scene),
  };
}
