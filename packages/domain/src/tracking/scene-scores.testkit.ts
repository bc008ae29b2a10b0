import { iou } from "./geometry.js";
import type { CameraTracks } from "./multi-camera.js";
import type { MotRow } from "./mot-format.js";

/**
 * Test side: which true person each of a camera's output boxes covers. Scene scores themselves
 * (cross-camera IDF1, the oracle bound, map error) are scene-evaluation.ts's, the ones
 * `parallax eval-scene` prints.
 */

/** Person (gt id) behind each predicted box of a camera, by greedy IoU ≥ 0.5 per frame; -1 when none. */
export function personOfBoxes(camera: CameraTracks): number[] {
  const gtByFrame = new Map<number, MotRow[]>();
  for (const g of camera.groundTruth) {
    const list = gtByFrame.get(g.frame) ?? [];
    list.push(g);
    gtByFrame.set(g.frame, list);
  }
  const byFrame = new Map<number, number[]>();
  camera.global.forEach((r, k) => {
    const list = byFrame.get(r.frame) ?? [];
    list.push(k);
    byFrame.set(r.frame, list);
  });
  const person = new Array<number>(camera.global.length).fill(-1);
  for (const [frame, rows] of byFrame) {
    const gts = gtByFrame.get(frame) ?? [];
    const pairs: Array<[number, number, number]> = [];
    for (const k of rows) {
      const r = camera.global[k]!;
      for (const g of gts) {
        const overlap = iou([r.x, r.y, r.x + r.width, r.y + r.height], [g.x, g.y, g.x + g.width, g.y + g.height]);
        if (overlap >= 0.5) pairs.push([overlap, k, g.id]);
      }
    }
    pairs.sort((a, b) => b[0] - a[0]);
    const usedRow = new Set<number>(), usedGt = new Set<number>();
    for (const [, k, id] of pairs) {
      if (usedRow.has(k) || usedGt.has(id)) continue;
      usedRow.add(k);
      usedGt.add(id);
      person[k] = id;
    }
  }
  return person;
}
