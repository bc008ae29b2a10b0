import type { FloorPoint, FloorState } from "./floor-kalman.js";
import { dot, blendUnitInto } from "./vector-kernels.js";

/** One camera's track in the current frame, as the floor association sees it. */
export interface FloorObservation {
  readonly camera: string;
  readonly trackId: number;
  /** Foot point on the floor with its uncertainty (see footOnFloor); absent for an uncalibrated camera. */
  readonly point?: FloorPoint;
  readonly embedding?: Float32Array;
}

/** Where an identity stands on the floor this frame. */
export interface IdentityPosition {
  readonly globalId: number;
  readonly x: number;
  readonly y: number;
}

/** One person as FloorIdentities knows them: floor state, appearance per camera and overall. */
export interface Identity {
  readonly id: number;
  state: FloorState | undefined;
  /** Frame of the last observation with a floor point, and that point's filtered position. */
  lastFrame: number;
  lastPosition: [number, number] | undefined;
  /** Frame up to which the Kalman state is predicted. */
  predictedTo: number;
  hits: number;
  readonly bornAt: number;
  /** First floor position, where a re-identified person came back. */
  firstPosition: [number, number] | undefined;
  mean: Float32Array | undefined;
  views: Map<string, Float32Array>;
  /** Cameras that saw the identity in its last frame. */
  cameras: Set<string>;
  /** It walked out of every camera's view: its Kalman prediction is no longer trusted, it can only re-enter. */
  exited: boolean;
}

export function newIdentity(id: number, frame: number): Identity {
  return { id, state: undefined, lastFrame: frame, lastPosition: undefined, predictedTo: frame, hits: 0, bornAt: frame, firstPosition: undefined, mean: undefined, views: new Map(), cameras: new Set(), exited: false };
}

/** Is the identity's Kalman prediction still to be trusted? */
export function isTracked(g: Identity, frame: number, coastFrames: number): boolean {
  return g.state !== undefined && !g.exited && frame - g.lastFrame <= coastFrames;
}

/** Cosine with the identity as this camera saw it, or as any camera did, whichever is closer. */
export function appearanceSimilarity(camera: string, o: FloorObservation, g: Identity): number | undefined {
  if (!o.embedding || !g.mean) return undefined;
  const overall = dot(o.embedding, g.mean);
  const view = g.views.get(camera);
  return view ? Math.max(overall, dot(o.embedding, view)) : overall;
}

/** Cosine of the new identity with the old one as seen from the same camera where possible. */
export function bestViewSimilarity(young: Identity, old: Identity): number {
  let best = dot(young.mean!, old.mean!);
  for (const [camera, view] of young.views) {
    const seen = old.views.get(camera);
    if (seen) best = Math.max(best, dot(view, seen));
  }
  return best;
}

export function learnAppearance(g: Identity, camera: string, embedding: Float32Array, momentum: number): void {
  const view = g.views.get(camera);
  if (!view) g.views.set(camera, Float32Array.from(embedding));
  else blendUnitInto(view, embedding, momentum);
  if (!g.mean) g.mean = Float32Array.from(embedding);
  else blendUnitInto(g.mean, embedding, momentum);
}

/** The old identity continues with the new one's floor state and appearance. */
export function continueWith(old: Identity, young: Identity): void {
  old.state = young.state;
  old.exited = young.exited;
  old.lastFrame = young.lastFrame;
  old.lastPosition = young.lastPosition;
  old.predictedTo = young.predictedTo;
  old.hits += young.hits;
  for (const [camera, view] of young.views) {
    const mine = old.views.get(camera);
    if (mine) blendUnitInto(mine, view, 0.5);
    else old.views.set(camera, view);
  }
  if (young.mean) blendUnitInto(old.mean!, young.mean, 0.5);
}

/** The kept identity takes the dropped one's hits, and its appearance only where it has none of its own. */
export function absorb(keep: Identity, drop: Identity): void {
  for (const [camera, view] of drop.views) if (!keep.views.has(camera)) keep.views.set(camera, view);
  if (drop.mean && !keep.mean) keep.mean = drop.mean;
  keep.hits += drop.hits;
}
