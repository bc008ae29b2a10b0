/**
 * The multi-view floor association's rules (`FloorIdentities`): every number with its default
 * and the measurement behind it, and what floor-only association changes. Pure data.
 */
/** Multi-view association rules; every number has a default in DEFAULT_FLOOR_IDENTITY_CONFIG. */
export interface FloorIdentityConfig {
  readonly fps: number;
  /** Compare embeddings (fused); false associates by floor position alone. */
  readonly useAppearance: boolean;
  /** Foot-point noise in pixels per pixel of box height (σv; σu is σv/√2). */
  readonly pixelNoise: number;
  /**
   * Floor variance (m²) added to every foot point: feet are not exactly at the box's bottom
   * centre, detector boxes have heavy tails, people sway. With appearance it is wide (1 m²): the
   * floor then gates and breaks ties while appearance decides among the people within a metre or
   * so, where the foot points of different cameras disagree; floor-only association needs it tight.
   */
  readonly floorVariance: number;
  /** White acceleration noise of the floor Kalman filter (m/s²): people stop, turn and start. */
  readonly accelerationNoise: number;
  /** Initial velocity variance of a new identity ((m/s)²). */
  readonly velocityVariance: number;
  /** Chi-square gate on the squared Mahalanobis floor distance (2 dof; 13.8 is 99.9 %). */
  readonly floorGate: number;
  /** Cost of a pair at the floor gate (scaled linearly in the squared distance). */
  readonly floorWeight: number;
  /**
   * Cost per unit of (1 − cosine). At 2, against costLimit 1.1, a pair whose cosine is below 0.45
   * is never associated however close on the floor: in a crowd somebody else nearly always is.
   */
  readonly appearanceWeight: number;
  /** Appearance cost when one side has no embedding yet. */
  readonly unknownAppearanceCost: number;
  /** Cost taken off the identity a tracklet already carries (hysteresis against flicker). */
  readonly continuityBonus: number;
  /** Pairs at or above this cost are never associated. */
  readonly costLimit: number;
  /** Frames an identity nobody sees is still predicted by its Kalman filter before it counts as lost. */
  readonly coastFrames: number;
  /** Frames a lost identity waits for re-entry before it is forgotten. */
  readonly lostTtlFrames: number;
  /** Identities seen in fewer frames than this are forgotten as soon as they are lost (clutter). */
  readonly minHits: number;
  /** Nobody walks faster (m/s): the travel-time gate for re-entry and handoff without overlap. */
  readonly maxSpeed: number;
  /** Added to the travel radius (m) for the floor error of both ends. */
  readonly reentryMargin: number;
  /** Base cost of re-entry (a lost identity is a weaker hypothesis than a tracked one). */
  readonly reentryCost: number;
  /** Minimum cosine to give a lost identity back by appearance (fused only). */
  readonly reentrySimilarity: number;
  /** Weight of an identity's stored embedding in its moving average. */
  readonly galleryMomentum: number;
  /** An embedding is learnt only when no other identity came within this cost of the one it was assigned (no look-alike close by). */
  readonly learnMargin: number;
  /** Below this cosine with its identity's view from the same camera, a tracklet is diverging. */
  readonly splitSimilarity: number;
  /** Consecutive diverging frames (floor or appearance) before a tracklet is split off its identity. */
  readonly splitFrames: number;
  /** Consecutive frames the assignment must prefer another identity before a tracklet moves to it (0: at once). */
  readonly switchFrames: number;
  /** Two identities seen by different cameras within this chi-square distance for mergeFrames frames are one. */
  readonly mergeGate: number;
  readonly mergeFrames: number;
  readonly mergeMinSimilarity: number;
  /** A new identity this many frames old is compared with the lost ones, its appearance now averaged over frames. */
  readonly reidentifyAfterFrames: number;
  /** Minimum cosine, and lead over the runner-up, to give a new identity an old one's id. */
  readonly reidentifySimilarity: number;
  readonly reidentifyMargin: number;
  /** Side (m) of the cells of each camera's learnt visible floor region (FloorCoverage). */
  readonly coverageCell: number;
  /** Foot points a camera must have placed in a cell before it counts as seeing it. */
  readonly coverageMinPoints: number;
  /** An identity unseen for exitAfterFrames frames and predicted out of every camera's visible region has left: lost at once. */
  readonly exitOutOfView: boolean;
  /** Frames unseen before an exit counts (a detector misses a person for a frame or two at the edge of a view). */
  readonly exitAfterFrames: number;
  /** Camera pairs whose views overlap; undefined means every pair may. One identity is never in two cameras that do not, at the same time. */
  readonly overlaps?: readonly (readonly [string, string])[];
}

export const DEFAULT_FLOOR_IDENTITY_CONFIG: FloorIdentityConfig = {
  fps: 10,
  useAppearance: true,
  pixelNoise: 0.03,
  floorVariance: 1,
  accelerationNoise: 2,
  velocityVariance: 1.5 ** 2,
  floorGate: 13.8,
  floorWeight: 1,
  appearanceWeight: 2,
  unknownAppearanceCost: 0.3,
  continuityBonus: 0,
  costLimit: 1.1,
  coastFrames: 30,
  lostTtlFrames: 300,
  minHits: 3,
  maxSpeed: 2.5,
  reentryMargin: 1,
  reentryCost: 0.1,
  reentrySimilarity: 0.65,
  galleryMomentum: 0.95,
  learnMargin: 0.6,
  splitSimilarity: 0.45,
  splitFrames: 5,
  switchFrames: 0,
  mergeGate: 4,
  mergeFrames: 5,
  mergeMinSimilarity: 0.5,
  reidentifyAfterFrames: 5,
  reidentifySimilarity: 0.6,
  reidentifyMargin: 0.05,
  coverageCell: 0.5,
  coverageMinPoints: 5,
  exitOutOfView: true,
  exitAfterFrames: 3,
};

/**
 * What floor-only association (useAppearance false) changes: a tight floor variance and some
 * trust in the tracklet's own history, its only other cue. Measured on 7 simulated scenes × 2
 * trackers: mean cross-camera IDF1 0.657 with the fused values, 0.681 with these. No exits:
 * without appearance an exited identity can come back only by position, and the Kalman coast
 * does that better (identity table, 17 scenes × 2 trackers: 0.655 without exits, 0.645 with).
 */
export const FLOOR_ONLY_DEFAULTS: Partial<FloorIdentityConfig> = { useAppearance: false, floorVariance: 0.05, continuityBonus: 0.15, exitOutOfView: false };
