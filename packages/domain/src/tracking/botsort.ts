import type { FrameDetections, Track } from "./track.js";
import { MultiObjectTracker, type TrackerOptions } from "./tracker.js";
import { BYTETRACK_DEFAULTS } from "./bytetrack.js";

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

/** ByteTrack's defaults plus BoT-SORT's appearance gates and embedding momentum. */
export const BOTSORT_DEFAULTS: BotSortOptions = {
  ...BYTETRACK_DEFAULTS,
  proximityThreshold: 0.5,
  appearanceThreshold: 0.25,
  embeddingMomentum: 0.9,
};

export class BotSort extends MultiObjectTracker {
  declare readonly options: BotSortOptions;

  constructor(options: Partial<BotSortOptions> = {}) {
    super({ ...BOTSORT_DEFAULTS, ...options });
  }

  protected override embeddingAlpha(): number {
    return this.options.embeddingMomentum;
  }

  /** A pair that does not overlap has IoU distance 1: appearance is ignored unless the proximity gate allows that. */
  protected override nonOverlappingCostsAtLeastOne(): boolean {
    return this.options.proximityThreshold < 1;
  }

  protected pairCost(track: Track, detections: FrameDetections, detection: number, _column: number, iou: number): number {
    const { fuseScore, proximityThreshold, appearanceThreshold } = this.options;
    let cost = 1 - (fuseScore ? iou * detections.scores[detection]! : iou);
    const trackEmbedding = track.smoothEmbedding;
    // Appearance is only computed where it can matter: overlapping pairs.
    if (this.embeddings.available && trackEmbedding && 1 - iou <= proximityThreshold) {
      // Over the detection's dim values, as the element-wise loop over dim did.
      const similarity = this.embeddings.similarity(detection, trackEmbedding);
      const appearance = Math.max(0, 1 - similarity) / 2;
      if (appearance <= appearanceThreshold && appearance < cost) cost = appearance;
    }
    return cost;
  }
}
