import type { RandomSource } from "./random.js";

/**
 * Plane-to-plane homographies (3×3, row-major Float64Array(9)). Fitting is the normalised DLT
 * (Hartley: each point set translated to its centroid and scaled to mean distance √2, null
 * vector of AᵀA by Jacobi eigen-decomposition), made robust by RANSAC with a seeded random
 * source. Points are packed [x0, y0, x1, y1, …].
 */
export type Homography = Float64Array;

export class HomographyError extends Error {}

export function projectPoint(h: ArrayLike<number>, x: number, y: number): [number, number] {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return [(h[0]! * x + h[1]! * y + h[2]!) / w, (h[3]! * x + h[4]! * y + h[5]!) / w];
}

export function invertHomography(h: ArrayLike<number>): Homography {
  const [a, b, c, d, e, f, g, i, j] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, h[8]!];
  const A = e * j - f * i, B = -(d * j - f * g), C = d * i - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-300) throw new HomographyError("homography is singular");
  const inv = Float64Array.from([A, -(b * j - c * i), b * f - c * e, B, a * j - c * g, -(a * f - c * d), C, -(a * i - b * g), a * e - b * d]);
  for (let k = 0; k < 9; k++) inv[k] = inv[k]! / det;
  return normaliseScale(inv);
}

/** Projects with the inverse homography (e.g. a map point back into the image). */
export function unprojectPoint(h: ArrayLike<number>, x: number, y: number): [number, number] {
  return projectPoint(invertHomography(h), x, y);
}

/** Euclidean distance between H·src_k and dst_k, per pair. */
export function reprojectionErrors(h: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>): Float64Array {
  const n = src.length / 2;
  const errors = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const [x, y] = projectPoint(h, src[2 * k]!, src[2 * k + 1]!);
    errors[k] = Math.hypot(x - dst[2 * k]!, y - dst[2 * k + 1]!);
  }
  return errors;
}

function normaliseScale(h: Float64Array): Float64Array {
  const s = Math.abs(h[8]!) > 1e-12 ? h[8]! : Math.hypot(...h);
  for (let k = 0; k < 9; k++) h[k] = h[k]! / s;
  return h;
}

/** Similarity transform T (3×3) so that T·p has centroid 0 and mean distance √2. */
function normalisingTransform(points: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const n = indices.length;
  let cx = 0, cy = 0;
  for (let k = 0; k < n; k++) {
    cx += points[2 * indices[k]!]!;
    cy += points[2 * indices[k]! + 1]!;
  }
  cx /= n;
  cy /= n;
  let meanDistance = 0;
  for (let k = 0; k < n; k++) meanDistance += Math.hypot(points[2 * indices[k]!]! - cx, points[2 * indices[k]! + 1]! - cy);
  meanDistance /= n;
  const s = meanDistance > 0 ? Math.SQRT2 / meanDistance : 1;
  return Float64Array.from([s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1]);
}

function multiply3(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    out[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
  }
  return out;
}

/** Eigenvector of the smallest eigenvalue of a symmetric n×n matrix (cyclic Jacobi rotations). */
export function smallestEigenvector(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i]! < a[best * n + best]!) best = i;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = v[k * n + best]!;
  return out;
}

/** Normalised DLT on the selected pairs (all pairs by default); needs ≥ 4 pairs. */
export function fitHomographyDlt(src: ArrayLike<number>, dst: ArrayLike<number>, indices?: ArrayLike<number>): Homography {
  const use = indices ?? Int32Array.from({ length: src.length / 2 }, (_, k) => k);
  if (use.length < 4) throw new HomographyError(`a homography needs at least 4 point pairs, got ${use.length}`);
  const ts = normalisingTransform(src, use);
  const td = normalisingTransform(dst, use);
  const ata = new Float64Array(81);
  const row = new Float64Array(9);
  const accumulate = () => {
    for (let i = 0; i < 9; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      for (let j = 0; j < 9; j++) ata[i * 9 + j]! += ri * row[j]!;
    }
  };
  for (let k = 0; k < use.length; k++) {
    const index = use[k]!;
    const x = ts[0]! * src[2 * index]! + ts[2]!, y = ts[4]! * src[2 * index + 1]! + ts[5]!;
    const u = td[0]! * dst[2 * index]! + td[2]!, v = td[4]! * dst[2 * index + 1]! + td[5]!;
    row.set([-x, -y, -1, 0, 0, 0, u * x, u * y, u]);
    accumulate();
    row.set([0, 0, 0, -x, -y, -1, v * x, v * y, v]);
    accumulate();
  }
  const hn = smallestEigenvector(ata, 9);
  const s = td[0]!;
  const tdInverse = Float64Array.from([1 / s, 0, -td[2]! / s, 0, 1 / s, -td[5]! / s, 0, 0, 1]);
  return normaliseScale(multiply3(multiply3(tdInverse, hn), ts));
}

export interface RansacOptions {
  /** Inlier threshold on the reprojection error in destination units (default 5, as the old system). */
  readonly threshold?: number;
  readonly maxIterations?: number;
  /** Stop once a model has this probability of being outlier-free (default 0.995). */
  readonly confidence?: number;
}

export interface RobustHomography {
  readonly homography: Homography;
  readonly inliers: Uint8Array;
  readonly inlierCount: number;
  /** RMS reprojection error over the inliers. */
  readonly rmsError: number;
}

export function fitHomographyRansac(src: ArrayLike<number>, dst: ArrayLike<number>, random: RandomSource, options: RansacOptions = {}): RobustHomography {
  const n = src.length / 2;
  if (n < 4 || dst.length !== src.length) throw new HomographyError(`a homography needs at least 4 matching point pairs, got ${Math.min(n, dst.length / 2)}`);
  const threshold = options.threshold ?? 5;
  const confidence = options.confidence ?? 0.995;
  let iterations = options.maxIterations ?? 2000;
  const scratch = new Int32Array(n);
  let bestInliers = new Uint8Array(n);
  let bestCount = -1;
  let bestError = Infinity;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const sample = Int32Array.from(sampleIndices(random, n, 4, scratch));
    let model: Homography;
    try {
      model = fitHomographyDlt(src, dst, sample);
    } catch {
      continue;
    }
    if (!model.every(Number.isFinite)) continue;
    const errors = reprojectionErrors(model, src, dst);
    const inliers = new Uint8Array(n);
    let count = 0, errorSum = 0;
    for (let k = 0; k < n; k++) if (errors[k]! <= threshold) {
      inliers[k] = 1;
      count++;
      errorSum += errors[k]!;
    }
    if (count > bestCount || (count === bestCount && errorSum < bestError)) {
      bestCount = count;
      bestError = errorSum;
      bestInliers = inliers;
      const ratio = count / n;
      const failure = 1 - ratio ** 4;
      if (failure <= 0) break;
      iterations = Math.min(iterations, Math.ceil(Math.log(1 - confidence) / Math.log(failure)));
    }
  }
  if (bestCount < 4) throw new HomographyError("RANSAC found no homography with at least 4 inliers");
  // Refit on the consensus set, then recompute it once with the refined model.
  let homography = fitHomographyDlt(src, dst, indicesOf(bestInliers));
  const errors = reprojectionErrors(homography, src, dst);
  const refined = Uint8Array.from(errors, (e) => (e <= threshold ? 1 : 0));
  if (countOnes(refined) >= 4) {
    homography = fitHomographyDlt(src, dst, indicesOf(refined));
    bestInliers = refined;
  }
  const finalErrors = reprojectionErrors(homography, src, dst);
  let squared = 0, count = 0;
  for (let k = 0; k < n; k++) if (bestInliers[k]) {
    squared += finalErrors[k]! ** 2;
    count++;
  }
  return { homography, inliers: bestInliers, inlierCount: count, rmsError: Math.sqrt(squared / Math.max(1, count)) };
}

function sampleIndices(random: RandomSource, n: number, k: number, scratch: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) scratch[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const tmp = scratch[i]!;
    scratch[i] = scratch[j]!;
    scratch[j] = tmp;
  }
  return scratch.subarray(0, k);
}

function indicesOf(mask: Uint8Array): Int32Array {
  const out: number[] = [];
  mask.forEach((v, k) => v && out.push(k));
  return Int32Array.from(out);
}

function countOnes(mask: Uint8Array): number {
  let count = 0;
  for (const v of mask) count += v;
  return count;
}
