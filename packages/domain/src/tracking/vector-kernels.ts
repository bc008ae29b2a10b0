/**
 * Float32 vector kernels for embeddings, accumulating in float64 strictly from first to last
 * element: the same rounding as the plain loop `for (k) sum += x[k] * y[k]`, so results are
 * bit-identical to it. Unrolling by 4 removes loop overhead, and looping over the first
 * argument's own length lets the compiler drop its bounds checks; the order of additions (and
 * hence every result) is unchanged, which is why there are no independent partial sums. Every
 * loop runs over x.length; reading past the end of a shorter y gives NaN, as the plain loop does.
 */

/** Σ x[k] · y[k] for k < x.length. */
export function dot(x: Float32Array, y: Float32Array): number {
  const n = x.length;
  let sum = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    sum += x[k]! * y[k]!;
    sum += x[k + 1]! * y[k + 1]!;
    sum += x[k + 2]! * y[k + 2]!;
    sum += x[k + 3]! * y[k + 3]!;
  }
  for (; k < n; k++) sum += x[k]! * y[k]!;
  return sum;
}

/** Σ x[k]² for k < x.length. */
export function sumOfSquares(x: Float32Array): number {
  const n = x.length;
  let sum = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const x0 = x[k]!, x1 = x[k + 1]!, x2 = x[k + 2]!, x3 = x[k + 3]!;
    sum += x0 * x0;
    sum += x1 * x1;
    sum += x2 * x2;
    sum += x3 * x3;
  }
  for (; k < n; k++) sum += x[k]! * x[k]!;
  return sum;
}

/** out[k] = x[k] · scale for k < x.length (rounded to float32 on store; out may be x). */
export function scaleInto(x: Float32Array, scale: number, out: Float32Array): void {
  const n = x.length;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    out[k] = x[k]! * scale;
    out[k + 1] = x[k + 1]! * scale;
    out[k + 2] = x[k + 2]! * scale;
    out[k + 3] = x[k + 3]! * scale;
  }
  for (; k < n; k++) out[k] = x[k]! * scale;
}

/**
 * Exponential moving average in place: smooth[k] = alpha · smooth[k] + (1 − alpha) · current[k]
 * (stored as float32); returns Σ v² of the unrounded float64 values v, for renormalising.
 */
export function blendInto(smooth: Float32Array, current: Float32Array, alpha: number): number {
  const beta = 1 - alpha;
  const n = smooth.length;
  let sum = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
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
  for (; k < n; k++) {
    const v = alpha * smooth[k]! + beta * current[k]!;
    smooth[k] = v;
    sum += v * v;
  }
  return sum;
}

/**
 * smooth[k] = alpha · smooth[k] + (1 − alpha) · current[k] (stored as float32); returns Σ of the
 * squares of the stored float32 values (the identity gallery's variant of blendInto).
 */
export function blendIntoStored(smooth: Float32Array, current: Float32Array, alpha: number): number {
  const beta = 1 - alpha;
  const n = smooth.length;
  let sum = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const v0 = Math.fround(alpha * smooth[k]! + beta * current[k]!);
    const v1 = Math.fround(alpha * smooth[k + 1]! + beta * current[k + 1]!);
    const v2 = Math.fround(alpha * smooth[k + 2]! + beta * current[k + 2]!);
    const v3 = Math.fround(alpha * smooth[k + 3]! + beta * current[k + 3]!);
    smooth[k] = v0;
    smooth[k + 1] = v1;
    smooth[k + 2] = v2;
    smooth[k + 3] = v3;
    sum += v0 * v0;
    sum += v1 * v1;
    sum += v2 * v2;
    sum += v3 * v3;
  }
  for (; k < n; k++) {
    const v = Math.fround(alpha * smooth[k]! + beta * current[k]!);
    smooth[k] = v;
    sum += v * v;
  }
  return sum;
}

/**
 * scaleInto(x, scale, out) and then dot(out, y), in one pass: out[k] is rounded to float32 before
 * it is multiplied, exactly as dot would read it back.
 */
export function scaleIntoAndDot(x: Float32Array, scale: number, out: Float32Array, y: Float32Array): number {
  const n = x.length;
  let sum = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const v0 = Math.fround(x[k]! * scale), v1 = Math.fround(x[k + 1]! * scale);
    const v2 = Math.fround(x[k + 2]! * scale), v3 = Math.fround(x[k + 3]! * scale);
    out[k] = v0;
    out[k + 1] = v1;
    out[k + 2] = v2;
    out[k + 3] = v3;
    sum += v0 * y[k]!;
    sum += v1 * y[k + 1]!;
    sum += v2 * y[k + 2]!;
    sum += v3 * y[k + 3]!;
  }
  for (; k < n; k++) {
    const v = Math.fround(x[k]! * scale);
    out[k] = v;
    sum += v * y[k]!;
  }
  return sum;
}

/** `v` as a unit vector: `v` itself when it already is one (to 1e-5), else a normalised copy. */
export function unitVector(v: Float32Array): Float32Array {
  const n = sumOfSquares(v);
  if (Math.abs(n - 1) < 1e-5) return v;
  const out = new Float32Array(v.length);
  scaleInto(v, n > 0 ? 1 / Math.sqrt(n) : 0, out);
  return out;
}

/** target ← normalise(momentum·target + (1 − momentum)·update): a gallery's moving average of unit vectors. */
export function blendUnitInto(target: Float32Array, update: Float32Array, momentum: number): void {
  const n = blendIntoStored(target, update, momentum);
  scaleInto(target, n > 0 ? 1 / Math.sqrt(n) : 0, target);
}
