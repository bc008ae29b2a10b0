import { KALMAN_STATE_SIZE, kalmanInitiate, kalmanUpdate } from "./kalman.js";
import { blendInto, scaleInto, sumOfSquares } from "./vector-kernels.js";

export const TrackState = { New: "new", Tracked: "tracked", Lost: "lost", Removed: "removed" } as const;
export type TrackState = (typeof TrackState)[keyof typeof TrackState];

/** One frame of detections: packed xyxy boxes, scores and optional embeddings (count × dim). */
export interface FrameDetections {
  readonly count: number;
  readonly boxes: Float64Array;
  readonly scores: Float64Array;
  readonly embeddings?: Float32Array;
  readonly embeddingDim?: number;
}

/** What a tracker reports for each confirmed track of a frame. */
export interface TrackOutput {
  readonly trackId: number;
  /** Kalman-filtered box, xyxy. */
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly state: TrackState;
  /** Index of the detection that updated the track this frame, -1 when none. */
  readonly detectionIndex: number;
  /** Exponential moving average of the track's L2-normalised embeddings (BoT-SORT), if any. */
  readonly embedding?: Float32Array;
}

/** A single target: filter state, lifecycle and smoothed appearance. */
export class Track {
  readonly kalman = new Float64Array(KALMAN_STATE_SIZE);
  state: TrackState = TrackState.New;
  isActivated = false;
  score: number;
  id = 0;
  /** Last frame the track was updated by a detection (ByteTrack's end_frame). */
  frameId = 0;
  startFrame = 0;
  trackletLength = 0;
  lastDetection = -1;
  /** Scratch stamp the tracker uses for list membership within a frame. */
  mark = 0;
  smoothEmbedding: Float32Array | undefined;
  currentEmbedding: Float32Array | undefined;

  constructor(box: ArrayLike<number>, offset: number, score: number, embedding: Float32Array | undefined) {
    this.score = score;
    const x1 = box[offset]!, y1 = box[offset + 1]!, x2 = box[offset + 2]!, y2 = box[offset + 3]!;
    kalmanInitiate(this.kalman, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);
    if (embedding) this.updateEmbedding(embedding, 0.9);
  }

  activate(id: number, frameId: number): void {
    this.id = id;
    this.trackletLength = 0;
    this.state = TrackState.Tracked;
    this.isActivated = frameId === 1;
    this.frameId = frameId;
    this.startFrame = frameId;
  }

  /**
   * Updates with a matched detection; `reactivate` brings a lost track back. `normalised` says
   * the embedding is already L2-normalised (as updateEmbedding would make it).
   */
  update(boxes: Float64Array, index: number, score: number, embedding: Float32Array | undefined, frameId: number, alpha: number, reactivate: boolean, normalised = false): void {
    const x1 = boxes[4 * index]!, y1 = boxes[4 * index + 1]!, x2 = boxes[4 * index + 2]!, y2 = boxes[4 * index + 3]!;
    kalmanUpdate(this.kalman, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);
    if (embedding) this.updateEmbedding(embedding, alpha, normalised);
    this.frameId = frameId;
    this.trackletLength = reactivate ? 0 : this.trackletLength + 1;
    this.state = TrackState.Tracked;
    this.isActivated = true;
    this.score = score;
    this.lastDetection = index;
  }

  /** Smoothed appearance: EMA of normalised embeddings, renormalised (BoT-SORT's update_features). */
  updateEmbedding(embedding: Float32Array, alpha: number, normalised = false): void {
    const current = (this.currentEmbedding ??= new Float32Array(embedding.length));
    // (A vector longer than the first one only fills `current`, as the element-wise loop did.)
    if (normalised) current.set(embedding.length > current.length ? embedding.subarray(0, current.length) : embedding);
    else {
      const norm = sumOfSquares(embedding);
      scaleInto(embedding, norm > 0 ? 1 / Math.sqrt(norm) : 0, current);
    }
    if (!this.smoothEmbedding) {
      this.smoothEmbedding = Float32Array.from(current);
      return;
    }
    const smooth = this.smoothEmbedding;
    const smoothNorm = blendInto(smooth, current, alpha);
    scaleInto(smooth, smoothNorm > 0 ? 1 / Math.sqrt(smoothNorm) : 0, smooth);
  }

  /** The filtered box as xyxy (the same arithmetic as kalmanBox). */
  box(): [number, number, number, number] {
    const state = this.kalman;
    const cx = state[0]!, cy = state[1]!, w = state[2]!, h = state[3]!;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }
}
