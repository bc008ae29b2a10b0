import type * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { Homography } from "@parallax/domain/tracking";
import type { HomographyRejected } from "./vision-errors.js";

/** A camera's calibration: image pixels → map (floor) coordinates. */
export interface CameraHomography {
  /** Row-major 3×3, image → map. */
  readonly imageToMap: Homography;
  /** Point pairs it was fitted on (0 when the file held a ready matrix). */
  readonly pointCount: number;
  /** Pairs RANSAC kept. */
  readonly inlierCount: number;
  /** RMS reprojection error over the inliers, in map units (0 for a ready matrix). */
  readonly rmsError: number;
}

/**
 * Where camera calibrations come from. `location` is what an environment names for a camera
 * (a `.npz` or `.json` file); resolving it relative to the environment is the caller's job.
 */
export interface HomographySource {
  load(location: string): Effect.Effect<CameraHomography, HomographyRejected | NotFound | StorageFailure>;
}
export const HomographySource = Symbol.for("parallax.HomographySource");
