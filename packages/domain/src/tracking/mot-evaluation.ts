import { hota } from "./hota.js";
import type { MotRow } from "./mot-format.js";
import { clearMot, identityMetrics } from "./mot-metrics.js";
import { buildSequence } from "./mot-sequence.js";

/** The summary `parallax mot-eval` prints (py-motmetrics names; motp is mean 1 − IoU). */
export interface MotSummary {
  readonly idf1: number;
  readonly idp: number;
  readonly idr: number;
  readonly recall: number;
  readonly precision: number;
  readonly mota: number;
  readonly motp: number;
  readonly num_false_positives: number;
  readonly num_misses: number;
  readonly num_switches: number;
  readonly num_fragmentations: number;
  readonly mostly_tracked: number;
  readonly partially_tracked: number;
  readonly mostly_lost: number;
  readonly num_unique_objects: number;
  readonly num_objects: number;
  readonly num_predictions: number;
  readonly num_matches: number;
  readonly hota: number;
  readonly deta: number;
  readonly assa: number;
  readonly loca: number;
}

export function evaluateMot(gt: readonly MotRow[], pred: readonly MotRow[], options: { iouThreshold?: number } = {}): MotSummary {
  const sequence = buildSequence(gt, pred);
  const clear = clearMot(sequence, options);
  const identity = identityMetrics(sequence, options);
  const h = hota(sequence);
  return {
    idf1: identity.idf1,
    idp: identity.idp,
    idr: identity.idr,
    recall: clear.recall,
    precision: clear.precision,
    mota: clear.mota,
    motp: clear.motp,
    num_false_positives: clear.numFalsePositives,
    num_misses: clear.numMisses,
    num_switches: clear.numSwitches,
    num_fragmentations: clear.numFragmentations,
    mostly_tracked: clear.mostlyTracked,
    partially_tracked: clear.partiallyTracked,
    mostly_lost: clear.mostlyLost,
    num_unique_objects: clear.numUniqueObjects,
    num_objects: clear.numObjects,
    num_predictions: clear.numPredictions,
    num_matches: clear.numMatches,
    hota: h.hota,
    deta: h.deta,
    assa: h.assa,
    loca: h.loca,
  };
}
