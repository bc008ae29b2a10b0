import * as Result from "effect/Result";
import { HomographyError, fitHomographyRansac, type RansacOptions, type RobustHomography } from "./homography.js";
import type { RandomSource } from "./random.js";

/**
 * Checks on camera calibrations before they are trusted. The old system's worst calibration
 * failure was silent: a file whose map points were its image points gave an identity homography,
 * and every "map position" was a pixel. Degenerate input (too few points, all on a line) would
 * fit a meaningless matrix too. Each check answers with a reason a person can act on.
 */

const EPS = 1e-9;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Spread of a packed point set along its weakest direction relative to its strongest (0: on a line). */
function planarSpread(points: ArrayLike<number>): number {
  const n = points.length / 2;
  let cx = 0, cy = 0;
  for (let k = 0; k < n; k++) {
    cx += points[2 * k]!;
    cy += points[2 * k + 1]!;
  }
  cx /= n;
  cy /= n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let k = 0; k < n; k++) {
    const dx = points[2 * k]! - cx, dy = points[2 * k + 1]! - cy;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const mean = (sxx + syy) / 2;
  const radius = Math.hypot((sxx - syy) / 2, sxy);
  const largest = mean + radius;
  return largest > 0 ? (mean - radius) / largest : 0;
}

/** Why `image` → `map` point pairs (packed [x0, y0, x1, y1, …]) cannot calibrate a camera, if they cannot. */
export function pointPairsProblem(image: ArrayLike<number>, map: ArrayLike<number>): string | undefined {
  if (image.length !== map.length) return `image_points has ${image.length / 2} points but map_points has ${map.length / 2}; they must pair up`;
  const n = image.length / 2;
  if (n < 4) return `a homography needs at least 4 point pairs, got ${n}`;
  for (let k = 0; k < image.length; k++) {
    if (!Number.isFinite(image[k]!) || !Number.isFinite(map[k]!)) return `point pair ${Math.floor(k / 2)} is not finite`;
  }
  let identical = true;
  for (let k = 0; k < image.length && identical; k++) identical = close(image[k]!, map[k]!);
  if (identical) return "map_points equal image_points: the file maps every pixel to itself (an identity homography by mistake), not a calibration";
  if (planarSpread(image) < 1e-10) return "image_points are collinear (or all the same point): they do not span the image plane";
  if (planarSpread(map) < 1e-10) return "map_points are collinear (or all the same point): they do not span the floor plane";
  return undefined;
}

function determinant(h: ArrayLike<number>): number {
  return h[0]! * (h[4]! * h[8]! - h[5]! * h[7]!) - h[1]! * (h[3]! * h[8]! - h[5]! * h[6]!) + h[2]! * (h[3]! * h[7]! - h[4]! * h[6]!);
}

/** Why a ready 3×3 image → map matrix (row-major) cannot be used, if it cannot. */
export function matrixProblem(h: ArrayLike<number>): string | undefined {
  if (h.length !== 9) return `a homography has 9 entries (3×3), got ${h.length}`;
  for (let k = 0; k < 9; k++) if (!Number.isFinite(h[k]!)) return `matrix entry ${k} is not finite`;
  let scale = 0;
  for (let k = 0; k < 9; k++) scale = Math.max(scale, Math.abs(h[k]!));
  if (scale === 0 || Math.abs(determinant(h)) <= 1e-12 * scale ** 3) return "the matrix is singular: it collapses the image onto a line or a point";
  const s = h[8]! !== 0 ? h[8]! : 1;
  let identity = true;
  for (let k = 0; k < 9 && identity; k++) identity = close(h[k]! / s, k % 4 === 0 ? 1 : 0);
  if (identity) return "the matrix is the identity: it maps every pixel to itself (a placeholder by mistake), not a calibration";
  return undefined;
}

/**
 * Fits image → map with RANSAC after the checks above, and checks the result: a fit that is
 * singular or not finite is refused as well.
 */
export function calibrateFromPoints(
  image: ArrayLike<number>, map: ArrayLike<number>, random: RandomSource, options: RansacOptions = {},
): Result.Result<RobustHomography, string> {
  const problem = pointPairsProblem(image, map);
  if (problem !== undefined) return Result.fail(problem);
  let fit: RobustHomography;
  try {
    fit = fitHomographyRansac(image, map, random, options);
  } catch (error) {
    if (error instanceof HomographyError) return Result.fail(`no homography fits these points: ${error.message}`);
    throw error;
  }
  const fitted = matrixProblem(fit.homography);
  return fitted === undefined ? Result.succeed(fit) : Result.fail(`the fitted homography is unusable: ${fitted}`);
}

