import { AssociationResult, Associator } from "./association.js";
import { FrameEmbeddings } from "./frame-embeddings.js";
import { kalmanPredict, kalmanWarp } from "./kalman.js";
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
  protected readonly maxTimeLost: number;
  private readonly associator = new Associator({
    prepare: (detections, indices) => this.prepareHighScoreStage(detections, indices),
    cost: (track, detections, detection, column, iou) => this.pairCost(track, detections, detection, column, iou),
    nonOverlappingCostsAtLeastOne: () => this.nonOverlappingCostsAtLeastOne(),
  });
  // Per-frame working lists, reused: a frame allocates little besides its outputs.
  private readonly high: number[] = [];
  private readonly low: number[] = [];
  private readonly leftover: number[] = [];
  private readonly confirmed = trackList();
  private readonly unconfirmed = trackList();
  private readonly pool = trackList();
  private readonly remainingTracked = trackList();
  private readonly activated = trackList();
  private readonly refound = trackList();
  private readonly newlyLost = trackList();
  private readonly first = new AssociationResult();
  private readonly second = new AssociationResult();
  private readonly third = new AssociationResult();
  private dropTracked = new Uint8Array(0);
  private dropLost = new Uint8Array(0);
  /** The current frame's normalised detection embeddings, shared by costs and track updates. */
  protected readonly embeddings = new FrameEmbeddings();
  /** Stamps for list membership (Track.mark), instead of id sets. */
  private stamp = 0;

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

  /**
   * Called before a high-score stage's pairCost calls with that stage's detections (indices into
   * the frame), e.g. to prepare their embeddings.
   */
  protected prepareHighScoreStage(_detections: FrameDetections, _indices: readonly number[]): void {}

  /**
   * Cost of a track and a detection in the high-score stages. `detection` indexes the frame,
   * `column` the stage's detection list; `iou` is their IoU (0 when they do not overlap).
   */
  protected abstract pairCost(track: Track, detections: FrameDetections, detection: number, column: number, iou: number): number;

  /**
   * Whether a pair that does not overlap always costs at least 1 in the high-score stages. Then,
   * with cost limits ≤ 1, only overlapping pairs can ever be matched and association is sparse.
   */
  protected nonOverlappingCostsAtLeastOne(): boolean {
    return true;
  }

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
    this.embeddings.startFrame(detections);
    const { high, low, leftover, confirmed, unconfirmed, pool, remainingTracked, activated, refound, newlyLost } = this;
    high.length = low.length = leftover.length = 0;
    confirmed.length = unconfirmed.length = pool.length = remainingTracked.length = 0;
    activated.length = refound.length = newlyLost.length = 0;
    for (let i = 0; i < detections.count; i++) {
      const s = detections.scores[i]!;
      if (s > o.highThreshold) high.push(i);
      else if (s > o.lowThreshold && s < o.highThreshold) low.push(i);
    }
    for (const t of this.tracked) (t.isActivated ? confirmed : unconfirmed).push(t);
    this.join(pool, confirmed, this.lost);
    for (const t of pool) {
      if (t.state !== TrackState.Tracked) t.kalman[6] = t.kalman[7] = 0;
      kalmanPredict(t.kalman);
    }
    const warp = o.cameraMotion?.(frameId);
    if (warp) for (const t of [...pool, ...unconfirmed]) kalmanWarp(t.kalman, warp);

    // Stage 1: high-score detections against tracked and lost tracks.
    const first = this.associator.associate(pool, detections, high, o.matchThreshold, true, this.first);
    for (let k = 0; k < first.matchedTracks.length; k++) this.apply(pool[first.matchedTracks[k]!]!, detections, high[first.matchedDetections[k]!]!);
    // Stage 2: low-score detections against the still-unmatched tracked tracks, IoU only.
    for (const t of first.unmatchedTracks) if (pool[t]!.state === TrackState.Tracked) remainingTracked.push(pool[t]!);
    const second = this.associator.associate(remainingTracked, detections, low, o.secondMatchThreshold, false, this.second);
    for (let k = 0; k < second.matchedTracks.length; k++) this.apply(remainingTracked[second.matchedTracks[k]!]!, detections, low[second.matchedDetections[k]!]!);
    for (const t of second.unmatchedTracks) {
      const track = remainingTracked[t]!;
      if (track.state !== TrackState.Lost) {
        track.state = TrackState.Lost;
        newlyLost.push(track);
      }
    }
    // Stage 3: tracks seen once so far against the leftover high-score detections.
    for (const d of first.unmatchedDetections) leftover.push(high[d]!);
    const third = this.associator.associate(unconfirmed, detections, leftover, o.unconfirmedMatchThreshold, true, this.third);
    for (let k = 0; k < third.matchedTracks.length; k++) {
      this.updateTrack(unconfirmed[third.matchedTracks[k]!]!, detections, leftover[third.matchedDetections[k]!]!, false);
      activated.push(unconfirmed[third.matchedTracks[k]!]!);
    }
    // Unmatched unconfirmed tracks and timed-out lost tracks are removed (state Removed).
    for (const t of third.unmatchedTracks) unconfirmed[t]!.state = TrackState.Removed;
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
    for (const t of this.lost) if (frameId - t.frameId > this.maxTimeLost) t.state = TrackState.Removed;
    const stillTracked: Track[] = [];
    for (const t of this.tracked) if (t.state === TrackState.Tracked) stillTracked.push(t);
    const tracked: Track[] = [];
    const trackedStamp = this.join(tracked, stillTracked, activated, refound);
    const lost: Track[] = [];
    for (const t of this.lost) if (t.mark !== trackedStamp && t.state !== TrackState.Removed) lost.push(t);
    for (const t of newlyLost) if (t.state !== TrackState.Removed) lost.push(t);
    this.removeDuplicates(tracked, lost, frameId);
    return this.outputs(frameId);
  }

  private apply(track: Track, detections: FrameDetections, index: number): void {
    const reactivate = track.state !== TrackState.Tracked;
    this.updateTrack(track, detections, index, reactivate);
    (reactivate ? this.refound : this.activated).push(track);
  }

  private updateTrack(track: Track, detections: FrameDetections, index: number, reactivate: boolean): void {
    const embeddings = this.embeddings;
    // The frame's normalised vector is exactly what Track would compute from the raw one.
    const normalised = embeddings.available && embeddings.complete;
    const embedding = normalised ? embeddings.vector(index) : this.embeddingOf(detections, index);
    track.update(detections.boxes, index, detections.scores[index]!, embedding, this.frameId, this.embeddingAlpha(), reactivate, normalised);
  }

  /**
   * ByteTrack's joint_stracks into `out` (empty): all of `first`, then the tracks of the other
   * lists not already in. Returns the stamp that marks the members of `out`.
   */
  private join(out: Track[], first: readonly Track[], ...rest: ReadonlyArray<readonly Track[]>): number {
    const stamp = ++this.stamp;
    for (const t of first) {
      t.mark = stamp;
      out.push(t);
    }
    for (const list of rest) {
      for (const t of list) {
        if (t.mark === stamp) continue;
        t.mark = stamp;
        out.push(t);
      }
    }
    return stamp;
  }

  /** A tracked and a lost track overlapping almost entirely (IoU > 0.85) are one target: keep the older. */
  private removeDuplicates(tracked: Track[], lost: Track[], frameId: number): void {
    if (tracked.length === 0 || lost.length === 0) {
      this.tracked = tracked;
      this.lost = lost;
      return;
    }
    if (this.dropTracked.length < tracked.length) this.dropTracked = new Uint8Array(2 * tracked.length);
    if (this.dropLost.length < lost.length) this.dropLost = new Uint8Array(2 * lost.length);
    const dropTracked = this.dropTracked.fill(0, 0, tracked.length);
    const dropLost = this.dropLost.fill(0, 0, lost.length);
    this.associator.markDuplicates(tracked, lost, frameId, dropTracked, dropLost);
    this.tracked = tracked.filter((_, p) => dropTracked[p] === 0);
    this.lost = lost.filter((_, q) => dropLost[q] === 0);
  }

  private outputs(frameId: number): TrackOutput[] {
    const result: TrackOutput[] = [];
    for (const t of this.tracked) {
      if (!t.isActivated) continue;
      const box = t.box();
      const w = box[2] - box[0], h = box[3] - box[1];
      if (w * h <= this.options.minBoxArea || w / h > this.options.maxAspectRatio) continue;
      const detectionIndex = t.frameId === frameId ? t.lastDetection : -1;
      // Two literal shapes instead of a conditional spread (which builds a temporary object).
      result.push(
        t.smoothEmbedding
          ? { trackId: t.id, box, score: t.score, state: t.state, detectionIndex, embedding: t.smoothEmbedding }
          : { trackId: t.id, box, score: t.score, state: t.state, detectionIndex },
      );
    }
    return result;
  }
}

/**
 * An empty array that already holds objects: a fresh `[]` holds small integers, and every new
 * tracker's first push would then invalidate code optimised for an earlier tracker's lists.
 */
function trackList(): Track[] {
  const list: Array<Track | null> = [null];
  list.pop();
  return list as Track[];
}
