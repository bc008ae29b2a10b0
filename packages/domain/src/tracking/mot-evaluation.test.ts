import { describe, expect, it } from "vitest";
import { evaluateMot } from "./mot-evaluation.js";
import { parseMot, type MotRow } from "./mot-format.js";
import { buildSequence } from "./mot-sequence.js";
import { clearMot, identityMetrics } from "./mot-metrics.js";
import { hota } from "./hota.js";
import { hasShared, readShared, sharedPath } from "../../../../tests/shared-fixtures.testkit.js";

const dataDir = sharedPath("data/mot");
const haveData = hasShared(`data/mot/TUD-Campus/gt.txt`);
if (!haveData) console.warn(`skipping MOTChallenge oracle tests: ${dataDir} is absent`);

// Values from ../shared/data/mot/MANIFEST.md (py-motmetrics asserted + TrackEval HOTA).
const expected = {
  "TUD-Campus": {
    idf1: 0.557659, idp: 0.72973, idr: 0.451253, recall: 0.582173, precision: 0.941441,
    mostly_tracked: 1, partially_tracked: 6, mostly_lost: 1, num_false_positives: 13, num_misses: 150,
    num_switches: 7, num_fragmentations: 7, mota: 0.526462, motp: 0.277201, num_unique_objects: 8,
    hota: 0.391397, deta: 0.418047, assa: 0.369121, loca: 0.770052, num_matches: 209,
  },
  "TUD-Stadtmitte": {
    idf1: 0.644619, idp: 0.81976, idr: 0.531142, recall: 0.608997, precision: 0.93992,
    mostly_tracked: 5, partially_tracked: 4, mostly_lost: 1, num_false_positives: 45, num_misses: 452,
    num_switches: 7, num_fragmentations: 6, mota: 0.564014, motp: 0.345904, num_unique_objects: 10,
    hota: 0.397849, deta: 0.392268, assa: 0.408841, loca: 0.737521, num_matches: 704,
  },
} as const;

describe.skipIf(!haveData)("MOT metrics against py-motmetrics / TrackEval values", () => {
  for (const [name, values] of Object.entries(expected)) {
    it(`reproduces every listed value for ${name} to 1e-3`, () => {
      const gt = parseMot(readShared(`data/mot/${name}/gt.txt`));
      const pred = parseMot(readShared(`data/mot/${name}/test.txt`));
      const summary = evaluateMot(gt, pred) as unknown as Record<string, number>;
      for (const [key, value] of Object.entries(values)) {
        expect(Math.abs(summary[key]! - value), `${name} ${key}: ${summary[key]} vs ${value}`).toBeLessThanOrEqual(1e-3);
      }
    });
  }
});

/** One box per (frame, id) on a 10-px grid so that IoU is 1 on the same cell and 0 elsewhere. */
function rows(cells: Array<[frame: number, id: number, cell: number]>): MotRow[] {
  return cells.map(([frame, id, cell]) => ({ frame, id, x: cell * 100, y: 0, width: 10, height: 10, confidence: 1, extra: [-1, -1, -1] }));
}

describe("MOT metrics on hand-made cases", () => {
  it("counts a perfect track as perfect", () => {
    const gt = rows([[1, 1, 0], [2, 1, 0], [3, 1, 0]]);
    const sequence = buildSequence(gt, rows([[1, 7, 0], [2, 7, 0], [3, 7, 0]]));
    const clear = clearMot(sequence);
    expect(clear.mota).toBe(1);
    expect(clear.motp).toBe(0);
    expect(identityMetrics(sequence).idf1).toBe(1);
    expect(hota(sequence).hota).toBeCloseTo(1, 12);
  });

  it("counts switches, misses, false positives and fragmentations", () => {
    const gt = rows([[1, 1, 0], [2, 1, 0], [3, 1, 0], [4, 1, 0], [5, 1, 0]]);
    // id 7 tracks frames 1–2, nothing at frame 3 (miss), id 8 takes over at 4–5; a stray box at frame 5.
    const pred = rows([[1, 7, 0], [2, 7, 0], [4, 8, 0], [5, 8, 0], [5, 9, 3]]);
    const clear = clearMot(buildSequence(gt, pred));
    expect(clear.numSwitches).toBe(1);
    expect(clear.numMisses).toBe(1);
    expect(clear.numFalsePositives).toBe(1);
    expect(clear.numFragmentations).toBe(1);
    expect(clear.mota).toBeCloseTo(1 - 3 / 5, 12);
    const identity = identityMetrics(buildSequence(gt, pred));
    expect(identity.idtp).toBe(2);
    expect(identity.idf1).toBeCloseTo((2 * 2) / (5 + 5), 12);
  });

  it("keeps last frame's match rather than switching to a closer prediction", () => {
    const gt: MotRow[] = [1, 2].map((frame) => ({ frame, id: 1, x: 0, y: 0, width: 10, height: 10, confidence: 1, extra: [-1, -1, -1] }));
    const pred: MotRow[] = [
      { frame: 1, id: 5, x: 1, y: 0, width: 10, height: 10, confidence: 1, extra: [-1, -1, -1] },
      { frame: 2, id: 5, x: 2, y: 0, width: 10, height: 10, confidence: 1, extra: [-1, -1, -1] },
      { frame: 2, id: 6, x: 0, y: 0, width: 10, height: 10, confidence: 1, extra: [-1, -1, -1] },
    ];
    const clear = clearMot(buildSequence(gt, pred));
    expect(clear.numSwitches).toBe(0);
    expect(clear.numFalsePositives).toBe(1);
  });
});
