import type { FrameDetections } from "./track.js";
import type { Track } from "./track.js";
import { MultiObjectTracker, type TrackerOptions } from "./tracker.js";

/** ByteTrack defaults (Zhang et al. 2022, the reference `BYTETracker` and its MOT17 tools). */
export const BYTETRACK_DEFAULTS: TrackerOptions = {
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
};

/** Options accepted by `new ByteTrack(...)`: any default can be overridden; track_thresh moves the new-track threshold with it. */
export type ByteTrackOptions = Partial<TrackerOptions> & { readonly trackThreshold?: number };

export function resolveByteTrackOptions(options: ByteTrackOptions = {}): TrackerOptions {
  const { trackThreshold, ...rest } = options;
  const high = trackThreshold ?? rest.highThreshold ?? BYTETRACK_DEFAULTS.highThreshold;
  return { ...BYTETRACK_DEFAULTS, highThreshold: high, newTrackThreshold: high + 0.1, ...rest };
}

/** Motion-only tracker: cost of the high-score stages is 1 − IoU·score. */
export class ByteTrack extends MultiObjectTracker {
  constructor(options: ByteTrackOptions = {}) {
    super(resolveByteTrackOptions(options));
  }

  protected pairCost(_track: Track, detections: FrameDetections, detection: number, _column: number, iou: number): number {
    return 1 - (this.options.fuseScore ? iou * detections.scores[detection]! : iou);
  }
}
