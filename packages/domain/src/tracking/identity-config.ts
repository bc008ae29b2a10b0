/** A floor area (metres, [xmin, ymin, xmax, ymax]) where people leave `camera`'s view towards `handoffTo`. */
export interface ExitZone {
  readonly camera: string;
  readonly area: readonly [number, number, number, number];
  readonly handoffTo: readonly string[];
}

/** Cross-camera identity rules. Every threshold has a documented default. */
export interface IdentityConfig {
  /** Minimum cosine similarity of L2-normalised embeddings to re-identify by appearance (the old system's 0.65). */
  readonly appearanceThreshold: number;
  /** Weight of an identity's previous gallery embedding in its moving average. */
  readonly galleryMomentum: number;
  /** Frames a lost identity stays in the gallery (the old system kept 200). */
  readonly lostTtlFrames: number;
  /** Frame rate, to turn frame gaps into seconds for the speed rule. */
  readonly fps: number;
  /** Use map positions (bottom centre of the box through the camera's homography). */
  readonly useGroundPlane: boolean;
  /** Two cameras' tracks whose map points are within this distance (metres) at the same time may be one person. */
  readonly groundGate: number;
  /** Cost bonus for an identity seen right now by another camera within groundGate of the new track. */
  readonly groundBonus: number;
  /** Cost added per groundGate of distance between the new track and that identity's current position. */
  readonly groundDistanceWeight: number;
  /** Consecutive frames of coinciding map points before two identities are merged into one. */
  readonly mergeFrames: number;
  /** Two identities are only merged when their appearance is at least this similar (cosine). */
  readonly mergeMinSimilarity: number;
  /** Nobody moves faster than this (m/s) between losing an identity and finding it again. */
  readonly maxSpeed: number;
  /** Camera pairs whose views overlap; undefined means every pair may overlap. */
  readonly overlaps?: readonly (readonly [string, string])[];
  readonly exitZones: readonly ExitZone[];
  /** Cost bonus (subtracted from 1 − cosine) for an identity handed off through an exit zone to this camera. */
  readonly handoffBonus: number;
  /** Frames after an exit during which the handoff bonus applies. */
  readonly handoffWindowFrames: number;
}

export const DEFAULT_IDENTITY_CONFIG: IdentityConfig = {
  appearanceThreshold: 0.65,
  galleryMomentum: 0.9,
  lostTtlFrames: 200,
  fps: 10,
  useGroundPlane: true,
  groundGate: 1,
  groundBonus: 0.1,
  groundDistanceWeight: 0.1,
  mergeFrames: 5,
  mergeMinSimilarity: 0.65,
  maxSpeed: 3,
  exitZones: [],
  handoffBonus: 0.15,
  handoffWindowFrames: 100,
};
