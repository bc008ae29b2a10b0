import type { FrameDetections, Track } from "./track.js";
import { MultiObjectTracker, type TrackerOptions } from "./tracker.js";

/**
 * BoT-SORT (Aharon et al. 2022): ByteTrack's association plus appearance. The high-score cost is
 * min(1 − IoU·score, cosine/2), where the appearance term only counts for pairs that overlap
 * (IoU distance ≤ proximityThreshold) and look alike (cosine/2 ≤ appearanceThreshold).
 */
export interface BotSortOptions extends TrackerOptions {
  readonly proximityThreshold: number;
  readonly appearanceThreshold: number;
  /** Weight of the previous smoothed embedding in the moving average. */
  readonly embeddingMomentum: number;
}

export const BOTSORT_DEFAULTS: BotSortOptions = {
  highThreshold: 0.6,
  lowThreshold: 0.1,
  newTrackThreshold: 0.7,
  matchThreshold: 0.8,
  secondMatchThreshold: 0.5,
  unconfirmedMatchThreshold: 0.7,
  trackBuffer: 30,
  frameRate: 30,
  minBoxArea: 10,
  maxAspectRatio: 1.6,
  fuseScore: true,
  proximityThreshold: 0.5,
  appearanceThreshold: 0.25,
  embeddingMomentum: 0.9,
};

export class BotSort extends MultiObjectTracker {
  declare readonly options: BotSortOptions;
  private normalised = new Float32Array(0);
  private features: Float32Array | undefined;
  private featureDim = 0;

  constructor(options: Partial<BotSortOptions> = {}) {
    super({ ...BOTSORT_DEFAULTS, ...options });
  }

  protected override embeddingAlpha(): number {
    return this.options.embeddingMomentum;
  }

  protected override prepareHighScoreStage(detections: FrameDetections, indices: readonly number[]): void {
    const dim = detections.embeddingDim ?? 0;
    this.features = detections.embeddings && dim > 0 ? this.normalise(detections.embeddings, dim, indices) : undefined;
    this.featureDim = dim;
  }

  /** A pair that does not overlap has IoU distance 1: appearance is ignored unless the proximity gate allows that. */
  protected override nonOverlappingCostsAtLeastOne(): boolean {
    return this.options.proximityThreshold < 1;
  }

  protected pairCost(track: Track, detections: FrameDetections, detection: number, column: number, iou: number): number {
    const { fuseScore, proximityThreshold, appearanceThreshold } = this.options;
    let cost = 1 - (fuseScore ? iou * detections.scores[detection]! : iou);
    const features = this.features;
    const trackEmbedding = track.smoothEmbedding;
    // Appearance is only computed where it can matter: overlapping pairs.
    if (features && trackEmbedding && 1 - iou <= proximityThreshold) {
      const dim = this.featureDim;
      let dot = 0;
      const base = column * dim;
      for (let k = 0; k < dim; k++) dot += trackEmbedding[k]! * features[base + k]!;
      const appearance = Math.max(0, 1 - dot) / 2;
      if (appearance <= appearanceThreshold && appearance < cost) cost = appearance;
    }
    return cost;
  }

  /** L2-normalised copies of the selected detections' embeddings, packed (reused buffer). */
  private normalise(embeddings: Float32Array, dim: number, indices: readonly number[]): Float32Array {
    if (this.normalised.length < indices.length * dim) this.normalised = new Float32Array(2 * indices.length * dim);
    const out = this.normalised;
    for (let d = 0; d < indices.length; d++) {
      const source = indices[d]! * dim;
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += embeddings[source + k]! * embeddings[source + k]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < dim; k++) out[d * dim + k] = embeddings[source + k]! * scale;
    }
    return out;
  }
}
