import { motRow, type MotRow } from "./mot-format.js";
import type { FrameDetections } from "./track.js";
import type { MultiObjectTracker } from "./tracker.js";

/**
 * Runs a tracker over MOTChallenge detection rows (conf column = score; MOTChallenge's "unknown"
 * confidence, a value outside [0, 1] such as -1, counts as `unknownScore`). Every frame from the
 * first to the last is fed, empty ones included, so that lost tracks age correctly.
 */
export function trackMotRows(rows: readonly MotRow[], tracker: MultiObjectTracker, options: { unknownScore?: number } = {}): MotRow[] {
  const unknownScore = options.unknownScore ?? 1;
  const frames = new Map<number, MotRow[]>();
  let first = Infinity, last = -Infinity;
  for (const row of rows) {
    let list = frames.get(row.frame);
    if (!list) frames.set(row.frame, (list = []));
    list.push(row);
    first = Math.min(first, row.frame);
    last = Math.max(last, row.frame);
  }
  const output: MotRow[] = [];
  for (let frame = first; frame <= last; frame++) {
    const list = frames.get(frame) ?? [];
    const detections: FrameDetections = {
      count: list.length,
      boxes: Float64Array.from(list.flatMap((r) => [r.x, r.y, r.x + r.width, r.y + r.height])),
      scores: Float64Array.from(list, (r) => (r.confidence >= 0 && r.confidence <= 1 ? r.confidence : unknownScore)),
    };
    for (const track of tracker.update(detections)) output.push(motRow(frame, track.trackId, track.box, track.score));
  }
  return output;
}

/** Drops the ids of MOT rows (sets them to -1), turning a tracker output into a detection stream. */
export function stripIds(rows: readonly MotRow[]): MotRow[] {
  return rows.map((row) => ({ ...row, id: -1 }));
}
