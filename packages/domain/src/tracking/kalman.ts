/**
 * Constant-velocity Kalman filter on (cx, cy, w, h) and their velocities, with BoT-SORT's noise
 * model (position noise 1/20 and velocity noise 1/160 of the box width or height).
 *
 * Because the initial covariance, process noise and measurement noise are all diagonal and the
 * motion model only couples each coordinate with its own velocity, the 8×8 covariance stays
 * block-diagonal: four independent 2×2 blocks [[pos, cross], [cross, vel]]. Storing and updating
 * only those blocks gives exactly the 8×8 filter's result at a fraction of the cost. A track's
 * whole filter state lives in one Float64Array(KALMAN_STATE_SIZE):
 *   [0..3] positions (cx, cy, w, h), [4..7] velocities, [8 + 3k .. 10 + 3k] block k (pos, cross, vel).
 */
export const KALMAN_STATE_SIZE = 20;
const STD_POSITION = 1 / 20;
const STD_VELOCITY = 1 / 160;
/** χ² 0.95 quantile with 4 degrees of freedom (gating on the full measurement). */
export const CHI2_95_4DOF = 9.4877;

function scaleOf(state: Float64Array, k: number): number {
  return k === 1 || k === 3 ? state[3]! : state[2]!;
}

export function kalmanInitiate(state: Float64Array, cx: number, cy: number, w: number, h: number): void {
  state[0] = cx;
  state[1] = cy;
  state[2] = w;
  state[3] = h;
  state[4] = state[5] = state[6] = state[7] = 0;
  for (let k = 0; k < 4; k++) {
    const s = k === 1 || k === 3 ? h : w;
    const position = 2 * STD_POSITION * s;
    const velocity = 10 * STD_VELOCITY * s;
    state[8 + 3 * k] = position * position;
    state[9 + 3 * k] = 0;
    state[10 + 3 * k] = velocity * velocity;
  }
}

export function kalmanPredict(state: Float64Array): void {
  for (let k = 0; k < 4; k++) {
    const s = scaleOf(state, k);
    const qPosition = (STD_POSITION * s) ** 2;
    const qVelocity = (STD_VELOCITY * s) ** 2;
    const o = 8 + 3 * k;
    const a = state[o]!, b = state[o + 1]!, c = state[o + 2]!;
    state[o] = a + 2 * b + c + qPosition;
    state[o + 1] = b + c;
    state[o + 2] = c + qVelocity;
  }
  for (let k = 0; k < 4; k++) state[k] = state[k]! + state[k + 4]!;
}

/** Predicts many tracks at once (the batch form trackers call every frame). */
export function kalmanPredictMany(states: readonly Float64Array[]): void {
  for (let i = 0; i < states.length; i++) kalmanPredict(states[i]!);
}

export function kalmanUpdate(state: Float64Array, cx: number, cy: number, w: number, h: number): void {
  // Measurement noise scales with the predicted box, read before any coordinate changes.
  const sw = state[2]!, sh = state[3]!;
  for (let k = 0; k < 4; k++) {
    const s = k === 1 || k === 3 ? sh : sw;
    const r = (STD_POSITION * s) ** 2;
    const o = 8 + 3 * k;
    const a = state[o]!, b = state[o + 1]!, c = state[o + 2]!;
    const innovationVariance = a + r;
    const gainPosition = a / innovationVariance;
    const gainVelocity = b / innovationVariance;
    const z = k === 0 ? cx : k === 1 ? cy : k === 2 ? w : h;
    const innovation = z - state[k]!;
    state[k] = state[k]! + gainPosition * innovation;
    state[k + 4] = state[k + 4]! + gainVelocity * innovation;
    state[o] = a - gainPosition * a;
    state[o + 1] = b - gainPosition * b;
    state[o + 2] = c - gainVelocity * b;
  }
}

/** Updates states[k] with the xyxy box boxes[4k..4k+3] (the batch form of kalmanUpdate). */
export function kalmanUpdateMany(states: readonly Float64Array[], boxes: Float64Array): void {
  for (let k = 0; k < states.length; k++) {
    const x1 = boxes[4 * k]!, y1 = boxes[4 * k + 1]!, x2 = boxes[4 * k + 2]!, y2 = boxes[4 * k + 3]!;
    kalmanUpdate(states[k]!, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);
  }
}

/**
 * Squared Mahalanobis distances (tracks × boxes, row-major) for gating a cost matrix: entries
 * above CHI2_95_4DOF are implausible for the motion model.
 */
export function kalmanGatingMatrix(states: readonly Float64Array[], boxes: Float64Array, count: number, out = new Float64Array(states.length * count)): Float64Array {
  for (let t = 0; t < states.length; t++) {
    for (let d = 0; d < count; d++) {
      const x1 = boxes[4 * d]!, y1 = boxes[4 * d + 1]!, x2 = boxes[4 * d + 2]!, y2 = boxes[4 * d + 3]!;
      out[t * count + d] = kalmanGatingDistance(states[t]!, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);
    }
  }
  return out;
}

/** Squared Mahalanobis distance of a measurement from the projected state (compare with CHI2_95_4DOF). */
export function kalmanGatingDistance(state: Float64Array, cx: number, cy: number, w: number, h: number): number {
  const sw = state[2]!, sh = state[3]!;
  let total = 0;
  for (let k = 0; k < 4; k++) {
    const s = k === 1 || k === 3 ? sh : sw;
    const variance = state[8 + 3 * k]! + (STD_POSITION * s) ** 2;
    const z = k === 0 ? cx : k === 1 ? cy : k === 2 ? w : h;
    const d = z - state[k]!;
    total += (d * d) / variance;
  }
  return total;
}

/** Writes the state's box as xyxy into out[offset..offset+3]. */
export function kalmanBox(state: Float64Array, out: Float64Array, offset: number): void {
  const cx = state[0]!, cy = state[1]!, w = state[2]!, h = state[3]!;
  out[offset] = cx - w / 2;
  out[offset + 1] = cy - h / 2;
  out[offset + 2] = cx + w / 2;
  out[offset + 3] = cy + h / 2;
}

/**
 * Camera-motion compensation with a 2×3 affine warp [a b tx; c d ty]: positions and velocities
 * are warped exactly; the covariance blocks are scaled by the warp's axis scales (a block-diagonal
 * approximation that is exact for scale + translation warps).
 */
export function kalmanWarp(state: Float64Array, warp: ArrayLike<number>): void {
  const a = warp[0]!, b = warp[1]!, tx = warp[2]!, c = warp[3]!, d = warp[4]!, ty = warp[5]!;
  for (let pair = 0; pair < 8; pair += 2) {
    const x = state[pair]!, y = state[pair + 1]!;
    state[pair] = a * x + b * y;
    state[pair + 1] = c * x + d * y;
  }
  state[0] = state[0]! + tx;
  state[1] = state[1]! + ty;
  const scaleX = Math.hypot(a, c), scaleY = Math.hypot(b, d);
  for (let k = 0; k < 4; k++) {
    const s = k === 1 || k === 3 ? scaleY : scaleX;
    const o = 8 + 3 * k;
    state[o] = state[o]! * s * s;
    state[o + 1] = state[o + 1]! * s * s;
    state[o + 2] = state[o + 2]! * s * s;
  }
}
