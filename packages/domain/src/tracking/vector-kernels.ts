/**
 * Float32 vector kernels for embeddings, accumulating in float64 strictly from first to last
 * element: the same rounding as the plain loop `for (k) sum += a[k] * b[k]`, so results are
 * bit-identical to it. Unrolling by 4 removes loop overhead; the order of additions (and hence
 * every result) is unchanged, which is why there are no independent partial sums.
 */

/** Σ a[ao + k] · b[bo + k] for k < length. */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, length: number): number {
  let sum = 0;
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const i = ao + k, j = bo + k;
    sum += a[i]! * b[j]!;
    sum += a[i + 1]! * b[j + 1]!;
    sum += a[i + 2]! * b[j + 2]!;
    sum += a[i + 3]! * b[j + 3]!;
  }
  for (; k < length; k++) sum += a[ao + k]! * b[bo + k]!;
  return sum;
}

/** Σ a[ao + k]² for k < length. */
export function sumOfSquaresAt(a: Float32Array, ao: number, length: number): number {
  let sum = 0;
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const i = ao + k;
    const x0 = a[i]!, x1 = a[i + 1]!, x2 = a[i + 2]!, x3 = a[i + 3]!;
    sum += x0 * x0;
    sum += x1 * x1;
    sum += x2 * x2;
    sum += x3 * x3;
  }
  for (; k < length; k++) sum += a[ao + k]! * a[ao + k]!;
  return sum;
}

/** out[oo + k] = a[ao + k] · scale for k < length (rounded to float32 on store). */
export function scaleInto(a: Float32Array, ao: number, scale: number, out: Float32Array, oo: number, length: number): void {
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const i = ao + k, o = oo + k;
    out[o] = a[i]! * scale;
    out[o + 1] = a[i + 1]! * scale;
    out[o + 2] = a[i + 2]! * scale;
    out[o + 3] = a[i + 3]! * scale;
  }
  for (; k < length; k++) out[oo + k] = a[ao + k]! * scale;
}

/**
 * Exponential moving average in place: smooth[k] = alpha · smooth[k] + (1 − alpha) · current[k]
 * (stored as float32); returns Σ v² of the unrounded float64 values v, for renormalising.
 */
export function blendInto(smooth: Float32Array, current: Float32Array, alpha: number): number {
  const beta = 1 - alpha;
  const length = smooth.length;
  let sum = 0;
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const v0 = alpha * smooth[k]! + beta * current[k]!;
    const v1 = alpha * smooth[k + 1]! + beta * current[k + 1]!;
    const v2 = alpha * smooth[k + 2]! + beta * current[k + 2]!;
    const v3 = alpha * smooth[k + 3]! + beta * current[k + 3]!;
    smooth[k] = v0;
    smooth[k + 1] = v1;
    smooth[k + 2] = v2;
    smooth[k + 3] = v3;
    sum += v0 * v0;
    sum += v1 * v1;
    sum += v2 * v2;
    sum += v3 * v3;
  }
  for (; k < length; k++) {
    const v = alpha * smooth[k]! + beta * current[k]!;
    smooth[k] = v;
    sum += v * v;
  }
  return sum;
}
