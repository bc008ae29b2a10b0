import { LinearAssignmentSolver, linearAssignmentMaxCardinality } from "./lapjv.js";
import type { MotSequence } from "./mot-sequence.js";

/**
 * CLEAR MOT and Identity metrics with the py-motmetrics protocol: distance 1 − IoU, a pair is
 * allowed when IoU ≥ threshold; per frame, last frame's matches that are still allowed are kept,
 * the rest is solved by a maximum-cardinality minimum-distance assignment. MOTP is the mean
 * distance (1 − IoU) of the matches, as py-motmetrics reports it.
 */
export interface ClearMotMetrics {
  readonly numFrames: number;
  readonly numObjects: number;
  readonly numPredictions: number;
  readonly numUniqueObjects: number;
  readonly numMatches: number;
  readonly numFalsePositives: number;
  readonly numMisses: number;
  readonly numSwitches: number;
  readonly numFragmentations: number;
  readonly mostlyTracked: number;
  readonly partiallyTracked: number;
  readonly mostlyLost: number;
  readonly recall: number;
  readonly precision: number;
  readonly mota: number;
  readonly motp: number;
}

export interface IdentityMetrics {
  readonly idtp: number;
  readonly idfp: number;
  readonly idfn: number;
  readonly idf1: number;
  readonly idp: number;
  readonly idr: number;
}

export interface MatchOptions {
  /** Minimum IoU for a gt/prediction pair to count as a match (default 0.5). */
  readonly iouThreshold?: number;
}

export function clearMot(sequence: MotSequence, options: MatchOptions = {}): ClearMotMetrics {
  const maxDistance = 1 - (options.iouThreshold ?? 0.5);
  const objects = sequence.gtIdCount;
  const mapping = new Int32Array(objects).fill(-1); // gt id → prediction id of its last match
  const lastMatchedFrame = new Float64Array(objects).fill(Number.NaN);
  const occurrences = new Int32Array(objects);
  const trackedCount = new Int32Array(objects);
  const everTracked = new Uint8Array(objects);
  const inMissRun = new Uint8Array(objects);
  const solver = new LinearAssignmentSolver();
  let numObjects = 0, numPredictions = 0, matches = 0, falsePositives = 0, misses = 0, switches = 0, fragmentations = 0;
  let distanceSum = 0;
  let previousFrame = Number.NaN;

  for (const frame of sequence.frames) {
    const { gtIds, predIds, iou } = frame;
    const n = gtIds.length;
    const m = predIds.length;
    numObjects += n;
    numPredictions += m;
    const gtMatchedTo = new Int32Array(n).fill(-1);
    const predTaken = new Uint8Array(m);
    const allowed = (i: number, j: number) => 1 - iou[i * m + j]! <= maxDistance;

    // 1. Keep last frame's correspondences that are still valid.
    for (let i = 0; i < n; i++) {
      const o = gtIds[i]!;
      if (mapping[o] === -1 || lastMatchedFrame[o] !== previousFrame) continue;
      for (let j = 0; j < m; j++) {
        if (predIds[j] === mapping[o] && !predTaken[j]) {
          if (allowed(i, j)) {
            gtMatchedTo[i] = j;
            predTaken[j] = 1;
          }
          break;
        }
      }
    }
    // 2. Solve the remaining pairs.
    const freeRows: number[] = [];
    const freeCols: number[] = [];
    for (let i = 0; i < n; i++) if (gtMatchedTo[i] === -1) freeRows.push(i);
    for (let j = 0; j < m; j++) if (!predTaken[j]) freeCols.push(j);
    const newlyMatched: Array<[number, number]> = [];
    if (freeRows.length > 0 && freeCols.length > 0) {
      const r = freeRows.length, c = freeCols.length;
      const cost = new Float64Array(r * c);
      const ok = new Uint8Array(r * c);
      for (let a = 0; a < r; a++) {
        for (let b = 0; b < c; b++) {
          cost[a * c + b] = 1 - iou[freeRows[a]! * m + freeCols[b]!]!;
          ok[a * c + b] = allowed(freeRows[a]!, freeCols[b]!) ? 1 : 0;
        }
      }
      const result = linearAssignmentMaxCardinality(cost, r, c, ok, solver);
      for (let a = 0; a < r; a++) {
        const b = result.rowToCol[a]!;
        if (b >= 0) newlyMatched.push([freeRows[a]!, freeCols[b]!]);
      }
    }
    for (const [i, j] of newlyMatched) {
      const o = gtIds[i]!;
      if (mapping[o] !== -1 && mapping[o] !== predIds[j]) switches++;
      mapping[o] = predIds[j]!;
      gtMatchedTo[i] = j;
      predTaken[j] = 1;
    }
    // 3. Book-keeping per object: matches, misses, fragmentation runs.
    for (let i = 0; i < n; i++) {
      const o = gtIds[i]!;
      occurrences[o]!++;
      const j = gtMatchedTo[i]!;
      if (j >= 0) {
        matches++;
        distanceSum += 1 - iou[i * m + j]!;
        trackedCount[o]!++;
        lastMatchedFrame[o] = frame.frame;
        if (everTracked[o] && inMissRun[o]) fragmentations++;
        everTracked[o] = 1;
        inMissRun[o] = 0;
      } else {
        misses++;
        if (everTracked[o]) inMissRun[o] = 1;
      }
    }
    for (let j = 0; j < m; j++) if (!predTaken[j]) falsePositives++;
    previousFrame = frame.frame;
  }

  let mostlyTracked = 0, partiallyTracked = 0, mostlyLost = 0, unique = 0;
  for (let o = 0; o < objects; o++) {
    if (occurrences[o] === 0) continue;
    unique++;
    const ratio = trackedCount[o]! / occurrences[o]!;
    if (ratio >= 0.8) mostlyTracked++;
    else if (ratio >= 0.2) partiallyTracked++;
    else mostlyLost++;
  }
  return {
    numFrames: sequence.frames.length,
    numObjects,
    numPredictions,
    numUniqueObjects: unique,
    numMatches: matches,
    numFalsePositives: falsePositives,
    numMisses: misses,
    numSwitches: switches,
    numFragmentations: fragmentations,
    mostlyTracked,
    partiallyTracked,
    mostlyLost,
    recall: numObjects > 0 ? matches / numObjects : 0,
    precision: matches + falsePositives > 0 ? matches / (matches + falsePositives) : 0,
    mota: numObjects > 0 ? 1 - (misses + falsePositives + switches) / numObjects : 0,
    motp: matches > 0 ? distanceSum / matches : Number.NaN,
  };
}

/**
 * IDF1 family: the one-to-one gt-id ↔ prediction-id mapping that maximises the number of frames
 * where the pair is within the IoU threshold (min-cost assignment on the co-occurrence counts).
 */
export function identityMetrics(sequence: MotSequence, options: MatchOptions = {}): IdentityMetrics {
  const threshold = options.iouThreshold ?? 0.5;
  const maxDistance = 1 - threshold;
  const g = sequence.gtIdCount;
  const p = sequence.predIdCount;
  const together = new Float64Array(g * p);
  let numGt = 0, numPred = 0;
  for (const { gtIds, predIds, iou } of sequence.frames) {
    const m = predIds.length;
    numGt += gtIds.length;
    numPred += m;
    for (let i = 0; i < gtIds.length; i++) {
      const base = gtIds[i]! * p;
      for (let j = 0; j < m; j++) if (1 - iou[i * m + j]! <= maxDistance) together[base + predIds[j]!]!++;
    }
  }
  let idtp = 0;
  if (g > 0 && p > 0) {
    const cost = new Float64Array(g * p);
    for (let k = 0; k < cost.length; k++) cost[k] = -together[k]!;
    idtp = -new LinearAssignmentSolver().solve(cost, g, p).cost;
  }
  const idfp = numPred - idtp;
  const idfn = numGt - idtp;
  return {
    idtp,
    idfp,
    idfn,
    idf1: numGt + numPred > 0 ? (2 * idtp) / (numGt + numPred) : 0,
    idp: numPred > 0 ? idtp / numPred : 0,
    idr: numGt > 0 ? idtp / numGt : 0,
  };
}
