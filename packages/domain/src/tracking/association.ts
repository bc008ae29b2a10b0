import { iouMatrix } from "./geometry.js";
import { kalmanBox } from "./kalman.js";
import { LinearAssignmentSolver } from "./lapjv.js";
import { OverlapFinder } from "./overlaps.js";
import type { FrameDetections, Track } from "./track.js";

/** How a tracker prices a (track, detection) pair in the high-score association stages. */
export interface PairCosting {
  /** Called before a stage's cost calls with its detections (indices into the frame). */
  prepare(detections: FrameDetections, indices: readonly number[]): void;
  /** `detection` indexes the frame, `column` the stage's detection list; `iou` is 0 when they do not overlap. */
  cost(track: Track, detections: FrameDetections, detection: number, column: number, iou: number): number;
  /** True when pairs that do not overlap always cost ≥ 1, so that with limits ≤ 1 they can never match. */
  readonly nonOverlappingCostsAtLeastOne: () => boolean;
}

/** Result of one association stage, as positions in its track and detection lists (ascending). Reused between frames. */
export class AssociationResult {
  readonly matchedTracks: number[] = [];
  readonly matchedDetections: number[] = [];
  readonly unmatchedTracks: number[] = [];
  readonly unmatchedDetections: number[] = [];
}

/**
 * One association stage: costs, then exact assignment with a cost limit. When no pair that does
 * not overlap can be matched (limit ≤ 1, as in every ByteTrack/BoT-SORT stage), only the
 * overlapping pairs are found and costed (sparse), otherwise the full tracks × detections matrix
 * is built; both give the same assignment. Buffers are kept, so a frame allocates almost nothing.
 */
export class Associator {
  private readonly solver = new LinearAssignmentSolver();
  private readonly overlaps = new OverlapFinder();
  private trackBoxes: Float64Array = new Float64Array(0);
  private otherBoxes: Float64Array = new Float64Array(0);
  private detectionBoxes = new Float64Array(0);
  private iouBuffer = new Float64Array(0);
  private costBuffer = new Float64Array(0);
  private pairStart = new Int32Array(0);
  private pairCols = new Int32Array(0);
  private pairCosts = new Float64Array(0);
  private readonly assignment = { rowToCol: new Int32Array(0), colToRow: new Int32Array(0) };

  constructor(private readonly costing: PairCosting) {}

  associate(tracks: readonly Track[], detections: FrameDetections, indices: readonly number[], limit: number, highScoreStage: boolean, out: AssociationResult): AssociationResult {
    const n = tracks.length, m = indices.length;
    out.matchedTracks.length = out.matchedDetections.length = out.unmatchedTracks.length = out.unmatchedDetections.length = 0;
    if (n === 0 || m === 0) {
      for (let t = 0; t < n; t++) out.unmatchedTracks.push(t);
      for (let d = 0; d < m; d++) out.unmatchedDetections.push(d);
      return out;
    }
    const trackBoxes = (this.trackBoxes = packTracks(tracks, this.trackBoxes));
    const detectionBoxes = this.packDetections(detections, indices);
    if (highScoreStage) this.costing.prepare(detections, indices);
    if (this.assignment.rowToCol.length < n) this.assignment.rowToCol = new Int32Array(2 * n);
    if (this.assignment.colToRow.length < m) this.assignment.colToRow = new Int32Array(2 * m);
    const { rowToCol, colToRow } =
      limit <= 1 && (!highScoreStage || this.costing.nonOverlappingCostsAtLeastOne())
        ? this.assignOverlapping(tracks, detections, indices, trackBoxes, detectionBoxes, limit, highScoreStage)
        : this.assignDense(tracks, detections, indices, trackBoxes, detectionBoxes, limit, highScoreStage);
    for (let t = 0; t < n; t++) {
      if (rowToCol[t]! >= 0) {
        out.matchedTracks.push(t);
        out.matchedDetections.push(rowToCol[t]!);
      } else out.unmatchedTracks.push(t);
    }
    for (let d = 0; d < m; d++) if (colToRow[d]! < 0) out.unmatchedDetections.push(d);
    return out;
  }

  /**
   * A tracked and a lost track overlapping almost entirely (IoU > 0.85) are one target: the
   * younger is dropped (its `drop` flag is set).
   */
  markDuplicates(tracked: readonly Track[], lost: readonly Track[], frameId: number, dropTracked: Uint8Array, dropLost: Uint8Array): void {
    this.trackBoxes = packTracks(tracked, this.trackBoxes);
    this.otherBoxes = packTracks(lost, this.otherBoxes);
    this.overlaps.find(this.trackBoxes, tracked.length, this.otherBoxes, lost.length);
    const { rowStart, cols, ious } = this.overlaps;
    for (let p = 0; p < tracked.length; p++) {
      for (let e = rowStart[p]!; e < rowStart[p + 1]!; e++) {
        if (1 - ious[e]! >= 0.15) continue;
        const q = cols[e]!;
        const ageTracked = frameId - tracked[p]!.startFrame;
        const ageLost = frameId - lost[q]!.startFrame;
        if (ageTracked > ageLost) dropLost[q] = 1;
        else dropTracked[p] = 1;
      }
    }
  }

  /** Pairs that do not overlap cost ≥ 1 ≥ limit and can never match: only overlapping pairs are costed. */
  private assignOverlapping(tracks: readonly Track[], detections: FrameDetections, indices: readonly number[], trackBoxes: Float64Array, detectionBoxes: Float64Array, limit: number, highScoreStage: boolean) {
    const n = tracks.length, m = indices.length;
    this.overlaps.find(trackBoxes, n, detectionBoxes, m);
    const { rowStart, cols, ious } = this.overlaps;
    if (this.pairStart.length < n + 1) this.pairStart = new Int32Array(2 * n + 1);
    if (this.pairCols.length < rowStart[n]!) {
      this.pairCols = new Int32Array(2 * rowStart[n]!);
      this.pairCosts = new Float64Array(2 * rowStart[n]!);
    }
    const { pairStart, pairCols, pairCosts, costing } = this;
    let count = 0;
    pairStart[0] = 0;
    for (let t = 0; t < n; t++) {
      const track = tracks[t]!;
      for (let p = rowStart[t]!; p < rowStart[t + 1]!; p++) {
        const d = cols[p]!;
        const cost = highScoreStage ? costing.cost(track, detections, indices[d]!, d, ious[p]!) : 1 - ious[p]!;
        if (!(cost < limit)) continue;
        pairCols[count] = d;
        pairCosts[count] = cost;
        count++;
      }
      pairStart[t + 1] = count;
    }
    return this.solver.solveSparseWithLimit(n, m, limit, { rowStart: pairStart, cols: pairCols, costs: pairCosts }, this.assignment);
  }

  private assignDense(tracks: readonly Track[], detections: FrameDetections, indices: readonly number[], trackBoxes: Float64Array, detectionBoxes: Float64Array, limit: number, highScoreStage: boolean) {
    const n = tracks.length, m = indices.length;
    if (this.iouBuffer.length < n * m) this.iouBuffer = new Float64Array(2 * n * m);
    const iou = iouMatrix(trackBoxes, n, detectionBoxes, m, this.iouBuffer);
    if (this.costBuffer.length < n * m) this.costBuffer = new Float64Array(2 * n * m);
    const cost = this.costBuffer;
    for (let t = 0; t < n; t++) {
      for (let d = 0; d < m; d++) {
        const k = t * m + d;
        cost[k] = highScoreStage ? this.costing.cost(tracks[t]!, detections, indices[d]!, d, iou[k]!) : 1 - iou[k]!;
      }
    }
    return this.solver.solveWithLimit(cost, n, m, limit);
  }

  private packDetections(detections: FrameDetections, indices: readonly number[]): Float64Array {
    if (this.detectionBoxes.length < 4 * indices.length) this.detectionBoxes = new Float64Array(8 * indices.length);
    const boxes = this.detectionBoxes;
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
}

/** Tracks' predicted boxes, packed into `buffer` (or a larger replacement, returned). */
function packTracks(tracks: readonly Track[], buffer: Float64Array): Float64Array {
  const boxes = buffer.length < 4 * tracks.length ? new Float64Array(8 * tracks.length) : buffer;
  for (let i = 0; i < tracks.length; i++) kalmanBox(tracks[i]!.kalman, boxes, 4 * i);
  return boxes;
}
