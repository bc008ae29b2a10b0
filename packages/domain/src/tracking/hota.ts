import { LinearAssignmentSolver } from "./lapjv.js";
import type { MotSequence } from "./mot-sequence.js";

/**
 * HOTA as TrackEval computes it: per frame one Hungarian matching on IoU weighted by the global
 * association score of each id pair, then for every α in 0.05…0.95 the matches with IoU ≥ α
 * count as true positives. Reported values are means over the 19 α.
 */
export interface HotaMetrics {
  readonly hota: number;
  readonly deta: number;
  readonly assa: number;
  readonly loca: number;
  readonly detre: number;
  readonly detpr: number;
  /** HOTA at α = 0.05. */
  readonly hota0: number;
  readonly alphas: readonly number[];
  readonly hotaPerAlpha: readonly number[];
}

const EPS = 2.220446049250313e-16;
/** np.arange(0.05, 0.99, 0.05): start + k·step, so the float values match TrackEval's. */
export const HOTA_ALPHAS: readonly number[] = Array.from({ length: 19 }, (_, k) => 0.05 + k * 0.05);

export function hota(sequence: MotSequence): HotaMetrics {
  const g = sequence.gtIdCount;
  const p = sequence.predIdCount;
  const potential = new Float64Array(g * p);
  const gtCount = new Float64Array(g);
  const predCount = new Float64Array(p);
  for (const { gtIds, predIds, iou } of sequence.frames) {
    const n = gtIds.length, m = predIds.length;
    const rowSum = new Float64Array(n);
    const colSum = new Float64Array(m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      rowSum[i]! += iou[i * m + j]!;
      colSum[j]! += iou[i * m + j]!;
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      const s = iou[i * m + j]!;
      const denominator = colSum[j]! + rowSum[i]! - s;
      if (denominator > EPS) potential[gtIds[i]! * p + predIds[j]!]! += s / denominator;
    }
    for (let i = 0; i < n; i++) gtCount[gtIds[i]!]!++;
    for (let j = 0; j < m; j++) predCount[predIds[j]!]!++;
  }
  const globalScore = new Float64Array(g * p);
  for (let a = 0; a < g; a++) for (let b = 0; b < p; b++) {
    const k = a * p + b;
    globalScore[k] = potential[k]! / (gtCount[a]! + predCount[b]! - potential[k]!);
  }

  const alphaCount = HOTA_ALPHAS.length;
  const tp = new Float64Array(alphaCount);
  const fn = new Float64Array(alphaCount);
  const fp = new Float64Array(alphaCount);
  const locSum = new Float64Array(alphaCount);
  const matchCounts = Array.from({ length: alphaCount }, () => new Float64Array(g * p));
  const solver = new LinearAssignmentSolver();

  for (const { gtIds, predIds, iou } of sequence.frames) {
    const n = gtIds.length, m = predIds.length;
    if (n === 0 || m === 0) {
      for (let a = 0; a < alphaCount; a++) {
        fp[a]! += m;
        fn[a]! += n;
      }
      continue;
    }
    const cost = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      cost[i * m + j] = -globalScore[gtIds[i]! * p + predIds[j]!]! * iou[i * m + j]!;
    }
    const { rowToCol } = solver.solve(cost, n, m);
    for (let a = 0; a < alphaCount; a++) {
      const alpha = HOTA_ALPHAS[a]!;
      let matched = 0;
      for (let i = 0; i < n; i++) {
        const j = rowToCol[i]!;
        if (j < 0) continue;
        const s = iou[i * m + j]!;
        if (s >= alpha - EPS) {
          matched++;
          locSum[a]! += s;
          matchCounts[a]![gtIds[i]! * p + predIds[j]!]!++;
        }
      }
      tp[a]! += matched;
      fn[a]! += n - matched;
      fp[a]! += m - matched;
    }
  }

  const hotaPerAlpha: number[] = [];
  let hotaSum = 0, detaSum = 0, assaSum = 0, locaSum = 0, detreSum = 0, detprSum = 0;
  for (let a = 0; a < alphaCount; a++) {
    const counts = matchCounts[a]!;
    let assSum = 0;
    for (let x = 0; x < g; x++) for (let y = 0; y < p; y++) {
      const c = counts[x * p + y]!;
      if (c > 0) assSum += (c * c) / Math.max(1, gtCount[x]! + predCount[y]! - c);
    }
    const assa = assSum / Math.max(1, tp[a]!);
    const deta = tp[a]! / Math.max(1, tp[a]! + fn[a]! + fp[a]!);
    const loca = Math.max(1e-10, locSum[a]!) / Math.max(1e-10, tp[a]!);
    const h = Math.sqrt(deta * assa);
    hotaPerAlpha.push(h);
    hotaSum += h;
    detaSum += deta;
    assaSum += assa;
    locaSum += loca;
    detreSum += tp[a]! / Math.max(1, tp[a]! + fn[a]!);
    detprSum += tp[a]! / Math.max(1, tp[a]! + fp[a]!);
  }
  return {
    hota: hotaSum / alphaCount,
    deta: detaSum / alphaCount,
    assa: assaSum / alphaCount,
    loca: locaSum / alphaCount,
    detre: detreSum / alphaCount,
    detpr: detprSum / alphaCount,
    hota0: hotaPerAlpha[0]!,
    alphas: HOTA_ALPHAS,
    hotaPerAlpha,
  };
}
