import { iouMatrix } from "./geometry.js";
import { LinearAssignmentSolver, linearAssignmentMaxCardinality } from "./lapjv.js";
import { evaluateMot, type MotSummary } from "./mot-evaluation.js";
import { groupByFrame, type MotRow } from "./mot-format.js";
import { identityMetrics, type IdentityMetrics } from "./mot-metrics.js";
import { buildSequence, packBoxes } from "./mot-sequence.js";
import type { SceneTrackingResult } from "./multi-camera.js";

/**
 * Scores a multi-camera tracking result against a scene's truth: per camera detection quality
 * and tracker metrics, cross-camera identity metrics, the oracle bound of the same detections,
 * floor-position error of the global identities and global id switches. Every definition is in
 * the tracking README ("eval-scene JSON"); `parallax eval-scene` prints this object.
 */

/** Where a person truly stands in a frame (metres); `person` is the person's ground-truth id. */
export interface TrueFloorPosition {
  readonly frame: number;
  readonly person: number;
  readonly x: number;
  readonly y: number;
}

export interface CameraTruth {
  readonly camera: string;
  readonly groundTruth: readonly MotRow[];
  /** The detections the trackers were given (ids ignored). */
  readonly detections: readonly MotRow[];
}

export interface SceneEvaluationInput {
  readonly cameras: readonly CameraTruth[];
  readonly floor: readonly TrueFloorPosition[];
  readonly result: SceneTrackingResult;
}

export interface CameraReport extends MotSummary {
  readonly camera: string;
  readonly gt_boxes: number;
  readonly detections: number;
  readonly detection_recall: number;
  readonly detection_precision: number;
  /** IDF1 of this camera's boxes labelled with global ids. */
  readonly global_idf1: number;
}

export interface SceneReport {
  readonly cross_camera_idf1: number;
  readonly cross_camera_idp: number;
  readonly cross_camera_idr: number;
  readonly cross_camera_idtp: number;
  readonly oracle_cross_camera_idf1: number;
  readonly oracle_cross_camera_idp: number;
  readonly oracle_cross_camera_idr: number;
  /** cross_camera_idf1 ÷ oracle_cross_camera_idf1 (NaN when the bound is 0). */
  readonly ratio_to_oracle: number;
  readonly gt_people: number;
  readonly global_ids: number;
  readonly global_id_switches: number;
  readonly map_error_median_m: number;
  readonly map_error_p95_m: number;
  readonly map_error_pairs: number;
  /** Floor positions whose identity matched nobody's box in that frame (not in the error). */
  readonly map_unmatched: number;
  readonly per_camera: readonly CameraReport[];
}

/** A pair counts as a match when its IoU is at least this (the MOTChallenge convention). */
export const MATCH_IOU = 0.5;

export function evaluateScene(input: SceneEvaluationInput): SceneReport {
  const solver = new LinearAssignmentSolver();
  const tracked = input.cameras.map((truth) => {
    const tracks = input.result.cameras.find((c) => c.camera === truth.camera);
    return { truth, local: tracks?.local ?? [], global: tracks?.global ?? [] };
  });

  const perCamera = tracked.map(({ truth, local, global }): CameraReport => {
    const detected = matchedCount(truth.groundTruth, truth.detections, solver);
    return {
      camera: truth.camera,
      gt_boxes: truth.groundTruth.length,
      detections: truth.detections.length,
      detection_recall: ratio(detected, truth.groundTruth.length),
      detection_precision: ratio(detected, truth.detections.length),
      global_idf1: identityMetrics(buildSequence(truth.groundTruth, global)).idf1,
      ...evaluateMot(truth.groundTruth, local),
    };
  });

  const cross = crossCameraIdentity(tracked.map(({ truth, global }) => ({ groundTruth: truth.groundTruth, predicted: global })));
  const oracle = crossCameraIdentity(oracleLabelling(input.cameras, solver));
  const globalMatches = tracked.flatMap(({ truth, global }) => matchRows(truth.groundTruth, global, solver));
  const errors = mapErrors(input.result.floor, input.floor, globalMatches);
  const sortedErrors = Float64Array.from(errors.distances).sort();
  return {
    cross_camera_idf1: cross.idf1,
    cross_camera_idp: cross.idp,
    cross_camera_idr: cross.idr,
    cross_camera_idtp: cross.idtp,
    oracle_cross_camera_idf1: oracle.idf1,
    oracle_cross_camera_idp: oracle.idp,
    oracle_cross_camera_idr: oracle.idr,
    ratio_to_oracle: oracle.idf1 > 0 ? cross.idf1 / oracle.idf1 : Number.NaN,
    gt_people: new Set(input.cameras.flatMap((c) => c.groundTruth.map((r) => r.id))).size,
    global_ids: new Set(tracked.flatMap((c) => c.global.map((r) => r.id))).size,
    global_id_switches: globalIdSwitches(globalMatches),
    map_error_median_m: interpolatedPercentile(sortedErrors, 0.5),
    map_error_p95_m: interpolatedPercentile(sortedErrors, 0.95),
    map_error_pairs: errors.distances.length,
    map_unmatched: errors.unmatched,
    per_camera: perCamera,
  };
}

/**
 * Identity metrics over all cameras at once: each camera's frames are moved to a range of their
 * own (laid side by side in time), so one gt id ↔ predicted id assignment spans every camera.
 */
export function crossCameraIdentity(cameras: ReadonlyArray<{ readonly groundTruth: readonly MotRow[]; readonly predicted: readonly MotRow[] }>): IdentityMetrics {
  const span = 1 + Math.max(0, ...cameras.flatMap((c) => [...c.groundTruth, ...c.predicted].map((r) => r.frame)));
  const shift = (rows: readonly MotRow[], c: number) => rows.map((r) => ({ ...r, frame: r.frame + c * span }));
  return identityMetrics(buildSequence(cameras.flatMap((c, i) => shift(c.groundTruth, i)), cameras.flatMap((c, i) => shift(c.predicted, i))));
}

/**
 * The oracle: every detection labelled with the gt id it matches in its camera and frame (IoU ≥
 * 0.5, maximum-cardinality minimum-(1 − IoU) assignment), every unmatched detection with an id
 * of its own (negative, unique across cameras).
 */
export function oracleLabelling(cameras: readonly CameraTruth[], solver = new LinearAssignmentSolver()): Array<{ groundTruth: readonly MotRow[]; predicted: MotRow[] }> {
  let nextFalseId = -1;
  return cameras.map((camera) => {
    const labels = new Map<MotRow, number>();
    for (const match of matchRows(camera.groundTruth, camera.detections, solver)) labels.set(match.predicted, match.person);
    const predicted = camera.detections.map((row) => ({ ...row, id: labels.get(row) ?? nextFalseId-- }));
    return { groundTruth: camera.groundTruth, predicted };
  });
}

interface RowMatch {
  readonly frame: number;
  readonly person: number;
  readonly predicted: MotRow;
  readonly iou: number;
}

/** Per frame, gt rows ↔ predicted rows with IoU ≥ 0.5, maximum cardinality then minimum Σ(1 − IoU). */
function matchRows(groundTruth: readonly MotRow[], predicted: readonly MotRow[], solver: LinearAssignmentSolver): RowMatch[] {
  const gtByFrame = groupByFrame(groundTruth);
  const matches: RowMatch[] = [];
  for (const [frame, predRows] of groupByFrame(predicted)) {
    const gtRows = gtByFrame.get(frame);
    if (!gtRows) continue;
    const n = gtRows.length, m = predRows.length;
    const iou = iouMatrix(packBoxes(gtRows), n, packBoxes(predRows), m);
    const cost = iou.map((v) => 1 - v);
    // Written as the MOT metrics test it (1 − IoU ≤ 1 − threshold), so both agree at the boundary.
    const allowed = Uint8Array.from(cost, (d) => (d <= 1 - MATCH_IOU ? 1 : 0));
    const { rowToCol } = linearAssignmentMaxCardinality(cost, n, m, allowed, solver);
    rowToCol.forEach((j, i) => {
      if (j >= 0) matches.push({ frame, person: gtRows[i]!.id, predicted: predRows[j]!, iou: iou[i * m + j]! });
    });
  }
  return matches;
}

function matchedCount(groundTruth: readonly MotRow[], predicted: readonly MotRow[], solver: LinearAssignmentSolver): number {
  return matchRows(groundTruth, predicted, solver).length;
}

/**
 * Each floor position is attributed to the person its identity's boxes match in that frame
 * (across cameras: the person matched by most boxes, then by the larger IoU sum, then the smaller
 * id) and measured against that person's true position in that frame.
 */
function mapErrors(floor: SceneTrackingResult["floor"], truth: readonly TrueFloorPosition[], matches: readonly RowMatch[]): { distances: number[]; unmatched: number } {
  const votes = new Map<string, Map<number, { boxes: number; iouSum: number }>>();
  for (const match of matches) {
    const key = `${match.frame}|${match.predicted.id}`;
    const perPerson = votes.get(key) ?? new Map<number, { boxes: number; iouSum: number }>();
    const vote = perPerson.get(match.person) ?? { boxes: 0, iouSum: 0 };
    perPerson.set(match.person, { boxes: vote.boxes + 1, iouSum: vote.iouSum + match.iou });
    votes.set(key, perPerson);
  }
  const truePosition = new Map(truth.map((t) => [`${t.frame}|${t.person}`, t] as const));
  const distances: number[] = [];
  let unmatched = 0;
  for (const position of floor) {
    const candidates = [...(votes.get(`${position.frame}|${position.globalId}`) ?? new Map<number, { boxes: number; iouSum: number }>()).entries()];
    candidates.sort(([pa, a], [pb, b]) => b.boxes - a.boxes || b.iouSum - a.iouSum || pa - pb);
    const person = candidates[0]?.[0];
    const actual = person === undefined ? undefined : truePosition.get(`${position.frame}|${person}`);
    if (!actual) {
      unmatched++;
      continue;
    }
    distances.push(Math.hypot(position.x - actual.x, position.y - actual.y));
  }
  return { distances, unmatched };
}

/**
 * A switch is a person matched (in any camera) to a global id that it did not carry in the
 * previous frame in which it was matched at all; one per such new id. The first frame a person
 * is matched in counts none.
 */
function globalIdSwitches(matches: readonly RowMatch[]): number {
  const idsByPersonFrame = new Map<number, Map<number, Set<number>>>();
  for (const match of matches) {
    const frames = idsByPersonFrame.get(match.person) ?? new Map<number, Set<number>>();
    const ids = frames.get(match.frame) ?? new Set<number>();
    ids.add(match.predicted.id);
    frames.set(match.frame, ids);
    idsByPersonFrame.set(match.person, frames);
  }
  let switches = 0;
  for (const frames of idsByPersonFrame.values()) {
    let previous: Set<number> | undefined;
    for (const frame of [...frames.keys()].sort((a, b) => a - b)) {
      const ids = frames.get(frame)!;
      if (previous) for (const id of ids) if (!previous.has(id)) switches++;
      previous = ids;
    }
  }
  return switches;
}

/** Linear interpolation between closest ranks (numpy's default): position p·(n − 1). NaN when empty. */
export function interpolatedPercentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
