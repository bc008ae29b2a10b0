import { iouMatrix } from "./geometry.js";
import type { MotRow } from "./mot-format.js";

/**
 * Ground truth and predictions aligned frame by frame, with ids renumbered densely (0..n-1) and
 * one IoU matrix (gt × predictions) per frame. All metrics read the same sequence, so each IoU
 * is computed once.
 */
export interface MotFrame {
  readonly frame: number;
  readonly gtIds: Int32Array;
  readonly predIds: Int32Array;
  /** Row-major IoU, gtIds.length × predIds.length. */
  readonly iou: Float64Array;
}

export interface MotSequence {
  readonly frames: readonly MotFrame[];
  readonly gtIdCount: number;
  readonly predIdCount: number;
  readonly gtOriginalIds: readonly number[];
  readonly predOriginalIds: readonly number[];
}

export function buildSequence(gt: readonly MotRow[], pred: readonly MotRow[]): MotSequence {
  const gtIndex = new Map<number, number>();
  const predIndex = new Map<number, number>();
  const byFrame = new Map<number, { gt: MotRow[]; pred: MotRow[] }>();
  const slot = (frame: number) => {
    let entry = byFrame.get(frame);
    if (!entry) byFrame.set(frame, (entry = { gt: [], pred: [] }));
    return entry;
  };
  for (const row of gt) {
    if (!gtIndex.has(row.id)) gtIndex.set(row.id, gtIndex.size);
    slot(row.frame).gt.push(row);
  }
  for (const row of pred) {
    if (!predIndex.has(row.id)) predIndex.set(row.id, predIndex.size);
    slot(row.frame).pred.push(row);
  }
  const frames: MotFrame[] = [];
  for (const frame of [...byFrame.keys()].sort((a, b) => a - b)) {
    const entry = byFrame.get(frame)!;
    const gtBoxes = packBoxes(entry.gt);
    const predBoxes = packBoxes(entry.pred);
    frames.push({
      frame,
      gtIds: Int32Array.from(entry.gt, (row) => gtIndex.get(row.id)!),
      predIds: Int32Array.from(entry.pred, (row) => predIndex.get(row.id)!),
      iou: iouMatrix(gtBoxes, entry.gt.length, predBoxes, entry.pred.length),
    });
  }
  return {
    frames,
    gtIdCount: gtIndex.size,
    predIdCount: predIndex.size,
    gtOriginalIds: [...gtIndex.keys()],
    predOriginalIds: [...predIndex.keys()],
  };
}

/** The rows' boxes as packed xyxy, the layout `iouMatrix` reads. */
export function packBoxes(rows: readonly MotRow[]): Float64Array {
  const boxes = new Float64Array(rows.length * 4);
  rows.forEach((row, i) => {
    boxes[4 * i] = row.x;
    boxes[4 * i + 1] = row.y;
    boxes[4 * i + 2] = row.x + row.width;
    boxes[4 * i + 3] = row.y + row.height;
  });
  return boxes;
}
