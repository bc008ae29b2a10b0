import { iouMatrix } from "./geometry.js";
import { kalmanBox, kalmanPredict, kalmanWarp } from "./kalman.js";
import { LinearAssignmentSolver } from "./lapjv.js";
import { Track, TrackState, type FrameDetections, type TrackOutput } from "./track.js";

/**
 * The tracking-by-detection loop shared by ByteTrack and BoT-SORT: two-stage association
 * (high-score detections against tracked + lost tracks, then low-score detections against the
 * still-unmatched tracked ones), unconfirmed tracks, births, timeouts and duplicate removal —
 * following the reference implementations step by step. Subclasses only choose the cost of the
 * high-score stages.
 */
export interface TrackerOptions {
  /** Detections above this score take part in the first association (ByteTrack track_thresh). */
  readonly highThreshold: number;
  /** Detections above this (and below highThreshold) take part in the second association. */
  readonly lowThreshold: number;
  /** A new track needs at least this score (ByteTrack: track_thresh + 0.1). */
  readonly newTrackThreshold: number;
  /** Cost limit of the first association (1 − fused IoU). */
  readonly matchThreshold: number;
  /** Cost limit of the second association (1 − IoU). */
  readonly secondMatchThreshold: number;
  /** Cost limit for unconfirmed tracks. */
  readonly unconfirmedMatchThreshold: number;
  /** Frames a lost track is kept, at 30 fps; scaled by frameRate / 30. */
  readonly trackBuffer: number;
  readonly frameRate: number;
  /** Output filter: tracks with a smaller box area (px²) are not reported. */
  readonly minBoxArea: number;
  /** Output filter: tracks wider than this ratio (w / h) are not reported (Infinity to disable). */
  readonly maxAspectRatio: number;
  /** Multiply IoU similarity by the detection score in the high-score stages (not for MOT20). */
  readonly fuseScore: boolean;
  /**
   * Camera-motion compensation: the 2×3 affine warp from the previous frame to this one, or
   * undefined for a static camera (the default).
   */
  readonly cameraMotion?: (frameId: number) => ArrayLike<number> | undefined;
}

export abstract class MultiObjectTracker {
  protected tracked: Track[] = [];
  protected lost: Track[] = [];
  protected frameId = 0;
  private nextId = 1;
  protected readonly solver = new LinearAssignmentSolver();
  private iouBuffer = new Float64Array(0);
  private trackBoxes = new Float64Array(0);
  private detectionBuffer = new Float64Array(0);
  private costBuffer = new Float64Array(0);
  protected readonly maxTimeLost: number;

  protected constructor(readonly options: TrackerOptions) {
    this.maxTimeLost = Math.floor((options.frameRate / 30) * options.trackBuffer);
  }

  /** Starts a new video: all tracks are dropped; ids keep increasing so they never repeat. */
  reset(): void {
    this.tracked = [];
    this.lost = [];
    this.frameId = 0;
  }

  get currentFrame(): number {
    return this.frameId;
  }

  /** Cost (tracks × detections) of the high-score association stages, written into `out`. */
  protected abstract highScoreCost(tracks: readonly Track[], detections: FrameDetections, indices: readonly number[], iou: Float64Array, out: Float64Array): void;

  protected embeddingOf(detections: FrameDetections, index: number): Float32Array | undefined {
    const dim = detections.embeddingDim ?? 0;
    if (!detections.embeddings || dim === 0) return undefined;
    return detections.embeddings.subarray(index * dim, (index + 1) * dim);
  }

  protected embeddingAlpha(): number {
    return 0.9;
  }

  update(detections: FrameDetections): TrackOutput[] {
    const o = this.options;
    this.frameId++;
    const frameId = this.frameId;
    const high: number[] = [];
    const low: number[] = [];
    for (let i = 0; i < detections.count; i++) {
      const s = detections.scores[i]!;
      if (s > o.highThreshold) high.push(i);
      else if (s > o.lowThreshold && s < o.highThreshold) low.push(i);
    }
    const unconfirmed: Track[] = [];
    const confirmed: Track[] = [];
    for (const t of this.tracked) (t.isActivated ? confirmed : unconfirmed).push(t);
    const pool = joinTracks(confirmed, this.lost);
    for (const t of pool) {
      if (t.state !== TrackState.Tracked) t.kalman[6] = t.kalman[7] = 0;
      kalmanPredict(t.kalman);
    }
    const warp = o.cameraMotion?.(frameId);
    if (warp) for (const t of [...pool, ...unconfirmed]) kalmanWarp(t.kalman, warp);

    const activated: Track[] = [];
    const refound: Track[] = [];
    const newlyLost: Track[] = [];
    const removed: Track[] = [];
    const apply = (track: Track, index: number) => {
      const reactivate = track.state !== TrackState.Tracked;
      track.update(detections.boxes, index, detections.scores[index]!, this.embeddingOf(detections, index), frameId, this.embeddingAlpha(), reactivate);
      (reactivate ? refound : activated).push(track);
    };

    // Stage 1: high-score detections against tracked and lost tracks.
    const first = this.associate(pool, detections, high, o.matchThreshold, true);
    first.matches.forEach(([t, d]) => apply(pool[t]!, high[d]!));
    // Stage 2: low-score detections against the still-unmatched tracked tracks, IoU only.
    const remainingTracked = first.unmatchedTracks.map((t) => pool[t]!).filter((t) => t.state === TrackState.Tracked);
    const second = this.associate(remainingTracked, detections, low, o.secondMatchThreshold, false);
    second.matches.forEach(([t, d]) => apply(remainingTracked[t]!, low[d]!));
    for (const t of second.unmatchedTracks) {
      const track = remainingTracked[t]!;
      if (track.state !== TrackState.Lost) {
        track.state = TrackState.Lost;
        newlyLost.push(track);
      }
    }
    // Stage 3: tracks seen once so far against the leftover high-score detections.
    const leftover = first.unmatchedDetections.map((d) => high[d]!);
    const third = this.associate(unconfirmed, detections, leftover, o.unconfirmedMatchThreshold, true);
    for (const [t, d] of third.matches) {
      unconfirmed[t]!.update(detections.boxes, leftover[d]!, detections.scores[leftover[d]!]!, this.embeddingOf(detections, leftover[d]!), frameId, this.embeddingAlpha(), false);
      activated.push(unconfirmed[t]!);
    }
    for (const t of third.unmatchedTracks) {
      unconfirmed[t]!.state = TrackState.Removed;
      removed.push(unconfirmed[t]!);
    }
    // Births.
    for (const d of third.unmatchedDetections) {
      const index = leftover[d]!;
      const score = detections.scores[index]!;
      if (score < o.newTrackThreshold) continue;
      const track = new Track(detections.boxes, 4 * index, score, this.embeddingOf(detections, index));
      track.activate(this.nextId++, frameId);
      track.lastDetection = index;
      activated.push(track);
    }
    // Timeouts.
    for (const t of this.lost) {
      if (frameId - t.frameId > this.maxTimeLost) {
        t.state = TrackState.Removed;
        removed.push(t);
      }
    }
    let tracked = this.tracked.filter((t) => t.state === TrackState.Tracked);
    tracked = joinTracks(joinTracks(tracked, activated), refound);
    const trackedIds = new Set(tracked.map((t) => t.id));
    const removedIds = new Set(removed.map((t) => t.id));
    let lost = this.lost.filter((t) => !trackedIds.has(t.id));
    lost.push(...newlyLost);
    lost = lost.filter((t) => !removedIds.has(t.id) && t.state !== TrackState.Removed);
    [this.tracked, this.lost] = removeDuplicates(tracked, lost, frameId, (a, b, n, m) => this.iou(a, b, n, m));
    return this.outputs(frameId);
  }

  private outputs(frameId: number): TrackOutput[] {
    const result: TrackOutput[] = [];
    for (const t of this.tracked) {
      if (!t.isActivated) continue;
      const box = t.box();
      const w = box[2] - box[0], h = box[3] - box[1];
      if (w * h <= this.options.minBoxArea || w / h > this.options.maxAspectRatio) continue;
      const output: TrackOutput = {
        trackId: t.id,
        box,
        score: t.score,
        state: t.state,
        detectionIndex: t.frameId === frameId ? t.lastDetection : -1,
        ...(t.smoothEmbedding ? { embedding: t.smoothEmbedding } : {}),
      };
      result.push(output);
    }
    return result;
  }

  /** Tracks' predicted boxes, packed. */
  protected packTracks(tracks: readonly Track[]): Float64Array {
    if (this.trackBoxes.length < 4 * tracks.length) this.trackBoxes = new Float64Array(8 * tracks.length);
    for (let i = 0; i < tracks.length; i++) kalmanBox(tracks[i]!.kalman, this.trackBoxes, 4 * i);
    return this.trackBoxes;
  }

  private iou(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
    if (this.iouBuffer.length < n * m) this.iouBuffer = new Float64Array(Math.max(n * m, 2 * this.iouBuffer.length));
    return iouMatrix(a, n, b, m, this.iouBuffer);
  }

  private detectionBoxes(detections: FrameDetections, indices: readonly number[]): Float64Array {
    if (this.detectionBuffer.length < 4 * indices.length) this.detectionBuffer = new Float64Array(8 * indices.length);
    const boxes = this.detectionBuffer;
    const source = detections.boxes;
    for (let k = 0; k < indices.length; k++) {
      const from = 4 * indices[k]!;
      boxes[4 * k] = source[from]!;
      boxes[4 * k + 1] = source[from + 1]!;
      boxes[4 * k + 2] = source[from + 2]!;
      boxes[4 * k + 3] = source[from + 3]!;
    }
    return boxes;
  }

  private associate(tracks: readonly Track[], detections: FrameDetections, indices: readonly number[], limit: number, highScoreStage: boolean) {
    const n = tracks.length, m = indices.length;
    const matches: Array<[number, number]> = [];
    if (n === 0 || m === 0) {
      return { matches, unmatchedTracks: [...Array(n).keys()], unmatchedDetections: [...Array(m).keys()] };
    }
    const iou = this.iou(this.packTracks(tracks), this.detectionBoxes(detections, indices), n, m);
    if (this.costBuffer.length < n * m) this.costBuffer = new Float64Array(2 * n * m);
    const cost = this.costBuffer;
    if (highScoreStage) this.highScoreCost(tracks, detections, indices, iou, cost);
    else for (let k = 0; k < n * m; k++) cost[k] = 1 - iou[k]!;
    const { rowToCol, colToRow } = this.solver.solveWithLimit(cost, n, m, limit);
    const unmatchedTracks: number[] = [];
    const unmatchedDetections: number[] = [];
    for (let t = 0; t < n; t++) {
      if (rowToCol[t]! >= 0) matches.push([t, rowToCol[t]!]);
      else unmatchedTracks.push(t);
    }
    for (let d = 0; d < m; d++) if (colToRow[d]! < 0) unmatchedDetections.push(d);
    return { matches, unmatchedTracks, unmatchedDetections };
  }
}

function joinTracks(a: readonly Track[], b: readonly Track[]): Track[] {
  const seen = new Set(a.map((t) => t.id));
  const result = [...a];
  for (const t of b) if (!seen.has(t.id)) {
    seen.add(t.id);
    result.push(t);
  }
  return result;
}

/** A tracked and a lost track overlapping almost entirely (IoU > 0.85) are one target: keep the older. */
function removeDuplicates(
  tracked: Track[],
  lost: Track[],
  frameId: number,
  iouOf: (a: Float64Array, b: Float64Array, n: number, m: number) => Float64Array,
): [Track[], Track[]] {
  if (tracked.length === 0 || lost.length === 0) return [tracked, lost];
  const pack = (tracks: Track[]) => {
    const boxes = new Float64Array(4 * tracks.length);
    tracks.forEach((t, i) => kalmanBox(t.kalman, boxes, 4 * i));
    return boxes;
  };
  const iou = iouOf(pack(tracked), pack(lost), tracked.length, lost.length);
  const dropTracked = new Set<number>();
  const dropLost = new Set<number>();
  for (let p = 0; p < tracked.length; p++) for (let q = 0; q < lost.length; q++) {
    if (1 - iou[p * lost.length + q]! >= 0.15) continue;
    const ageTracked = frameId - tracked[p]!.startFrame;
    const ageLost = frameId - lost[q]!.startFrame;
    if (ageTracked > ageLost) dropLost.add(q);
    else dropTracked.add(p);
  }
  return [tracked.filter((_, p) => !dropTracked.has(p)), lost.filter((_, q) => !dropLost.has(q))];
}
