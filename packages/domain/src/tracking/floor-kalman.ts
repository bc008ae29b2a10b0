
/**
 * Floor-plane geometry of one person: where a box's foot point lands on the floor and how
 * uncertain that is, and a constant-velocity Kalman filter on (x, y, vx, vy) in metres.
 */

/** A floor point with its 2×2 covariance [xx, xy, yy] (m²). */
export interface FloorPoint {
  readonly x: number;
  readonly y: number;
  readonly covariance: readonly [number, number, number];
}

/**
 * The foot point (u, v) through image → floor homography `h`, with the covariance of pixel noise
 * (σu, σv) carried through the homography's Jacobian. Far from the camera one pixel is many
 * centimetres of floor, mostly along the line of sight; this is what makes the floor gate widen
 * with distance, and it needs nothing but the homography (no camera pose).
 */
export function projectWithCovariance(h: ArrayLike<number>, u: number, v: number, sigmaU: number, sigmaV: number, floorVariance = 0): FloorPoint | undefined {
  const w = h[6]! * u + h[7]! * v + h[8]!;
  if (!(Math.abs(w) > 1e-12)) return undefined;
  const x = (h[0]! * u + h[1]! * v + h[2]!) / w;
  const y = (h[3]! * u + h[4]! * v + h[5]!) / w;
  const jxu = (h[0]! - x * h[6]!) / w, jxv = (h[1]! - x * h[7]!) / w;
  const jyu = (h[3]! - y * h[6]!) / w, jyv = (h[4]! - y * h[7]!) / w;
  const su = sigmaU * sigmaU, sv = sigmaV * sigmaV;
  return {
    x,
    y,
    covariance: [jxu * jxu * su + jxv * jxv * sv + floorVariance, jxu * jyu * su + jxv * jyv * sv, jyu * jyu * su + jyv * jyv * sv + floorVariance],
  };
}

/** Foot point of an xyxy box with pixel noise proportional to the box height (jitter of detectors scales with size). */
export function footOnFloor(h: ArrayLike<number>, box: ArrayLike<number>, pixelNoise: number, floorVariance: number): FloorPoint | undefined {
  const height = Math.max(1, box[3]! - box[1]!);
  // The bottom centre averages two corners horizontally, hence σu = σv / √2.
  return projectWithCovariance(h, (box[0]! + box[2]!) / 2, box[3]!, (pixelNoise * height) / Math.SQRT2, pixelNoise * height, floorVariance);
}

/** State (x, y, vx, vy) and its covariance, row-major 4×4. */
export interface FloorState {
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
}

export function floorInitiate(point: FloorPoint, velocityVariance: number): FloorState {
  const covariance = new Float64Array(16);
  covariance[0] = point.covariance[0];
  covariance[1] = covariance[4] = point.covariance[1];
  covariance[5] = point.covariance[2];
  covariance[10] = covariance[15] = velocityVariance;
  return { mean: Float64Array.of(point.x, point.y, 0, 0), covariance };
}

/** Constant velocity over dt seconds with white acceleration noise of standard deviation sigmaA (m/s²). */
export function floorPredict(state: FloorState, dt: number, sigmaA: number): void {
  const m = state.mean, p = state.covariance;
  m[0] = m[0]! + dt * m[2]!;
  m[1] = m[1]! + dt * m[3]!;
  // P ← F P Fᵀ with F = [[I, dt I], [0, I]]: rows 0,1 gain dt × rows 2,3, then the same for columns.
  for (let c = 0; c < 4; c++) {
    p[c] = p[c]! + dt * p[8 + c]!;
    p[4 + c] = p[4 + c]! + dt * p[12 + c]!;
  }
  for (let r = 0; r < 4; r++) {
    p[4 * r] = p[4 * r]! + dt * p[4 * r + 2]!;
    p[4 * r + 1] = p[4 * r + 1]! + dt * p[4 * r + 3]!;
  }
  const q = sigmaA * sigmaA;
  const pp = (q * dt ** 4) / 4, pv = (q * dt ** 3) / 2, vv = q * dt * dt;
  p[0] = p[0]! + pp;
  p[5] = p[5]! + pp;
  p[10] = p[10]! + vv;
  p[15] = p[15]! + vv;
  p[2] = p[2]! + pv;
  p[8] = p[8]! + pv;
  p[7] = p[7]! + pv;
  p[13] = p[13]! + pv;
}

/** Squared Mahalanobis distance of a floor point from the predicted position (state and point uncertainty together). */
export function floorDistanceSquared(state: FloorState, point: FloorPoint): number {
  const p = state.covariance;
  const a = p[0]! + point.covariance[0], b = p[1]! + point.covariance[1], d = p[5]! + point.covariance[2];
  const det = a * d - b * b;
  if (!(det > 0)) return Infinity;
  const dx = point.x - state.mean[0]!, dy = point.y - state.mean[1]!;
  return (d * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
}

export function floorUpdate(state: FloorState, point: FloorPoint): void {
  const m = state.mean, p = state.covariance;
  const a = p[0]! + point.covariance[0], b = p[1]! + point.covariance[1], d = p[5]! + point.covariance[2];
  const det = a * d - b * b;
  if (!(det > 0)) return;
  const i00 = d / det, i01 = -b / det, i11 = a / det;
  // K = P[:, 0:2] S⁻¹ (4×2).
  const k = new Float64Array(8);
  for (let r = 0; r < 4; r++) {
    const p0 = p[4 * r]!, p1 = p[4 * r + 1]!;
    k[2 * r] = p0 * i00 + p1 * i01;
    k[2 * r + 1] = p0 * i01 + p1 * i11;
  }
  const dx = point.x - m[0]!, dy = point.y - m[1]!;
  for (let r = 0; r < 4; r++) m[r] = m[r]! + k[2 * r]! * dx + k[2 * r + 1]! * dy;
  // P ← P − K P[0:2, :]
  const top = p.slice(0, 8);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) p[4 * r + c] = p[4 * r + c]! - k[2 * r]! * top[c]! - k[2 * r + 1]! * top[4 + c]!;
}
