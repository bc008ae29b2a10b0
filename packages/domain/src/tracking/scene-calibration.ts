import * as Result from "effect/Result";
import { calibrateFromPoints } from "./calibration.js";
import { projectWorld, type CameraModel } from "./camera.js";
import type { Homography } from "./homography.js";
import { SeededRandom } from "./random.js";
import { cameraRegions, type SimulationConfig } from "./simulator.js";

/**
 * Calibration point pairs as a person would click them: floor grid points (every
 * CALIBRATION_GRID_M metres) that a camera sees, image pixels ↔ floor metres, optionally with
 * Gaussian pixel noise on the image side; and the homography fitted back from such pairs.
 */
export interface CalibrationPairs {
  /** Packed [u0, v0, u1, v1, …], pixels. */
  readonly image: Float64Array;
  /** Packed [x0, y0, x1, y1, …], metres. */
  readonly map: Float64Array;
}

export const CALIBRATION_GRID_M = 2;

/**
 * RANSAC inlier threshold of the fit, in floor metres (the fit maps image → floor): a point whose
 * floor position misses by more is taken for a mis-click. Generous, because one pixel far from
 * the camera spans a tenth of a metre along the floor.
 */
export const CALIBRATION_RANSAC_THRESHOLD_M = 1;

/** The grid points on the floor (within the camera's region, if it has one) that project inside its image. */
export function floorGridPairs(camera: CameraModel, config: SimulationConfig, cameraIndex: number): CalibrationPairs {
  const region = cameraRegions(config)?.[cameraIndex] ?? [0, 0, config.floor[0], config.floor[1]];
  const image: number[] = [], map: number[] = [];
  for (let x = 0; x <= config.floor[0]; x += CALIBRATION_GRID_M) {
    for (let y = 0; y <= config.floor[1]; y += CALIBRATION_GRID_M) {
      if (x < region[0] || x > region[2] || y < region[1] || y > region[3]) continue;
      const [u, v, depth] = projectWorld(camera, x, y, 0);
      if (depth < 0.5 || u < 0 || u > camera.width || v < 0 || v > camera.height) continue;
      image.push(u, v);
      map.push(x, y);
    }
  }
  return { image: Float64Array.from(image), map: Float64Array.from(map) };
}

/**
 * The random stream of calibration noise, derived from the scene seed but separate from the
 * simulation's, so that noisy calibrations leave the detections exactly as they were.
 */
export function calibrationNoiseRandom(seed: number): SeededRandom {
  return new SeededRandom((seed ^ 0x5ca1ab1e) >>> 0);
}

/** The pairs with N(0, sigmaPx²) added to each image coordinate; unchanged when sigmaPx is 0. */
export function withPixelNoise(pairs: CalibrationPairs, sigmaPx: number, random: SeededRandom): CalibrationPairs {
  if (sigmaPx === 0) return pairs;
  return { image: pairs.image.map((v) => v + random.normal(0, sigmaPx)), map: pairs.map };
}

/** Image → floor homography fitted to the pairs (seeded RANSAC, then DLT on the inliers), or why not. */
export function fitCalibration(pairs: CalibrationPairs): Result.Result<Homography, string> {
  return Result.map(
    calibrateFromPoints(pairs.image, pairs.map, new SeededRandom(1), { threshold: CALIBRATION_RANSAC_THRESHOLD_M }),
    (fit) => fit.homography,
  );
}
