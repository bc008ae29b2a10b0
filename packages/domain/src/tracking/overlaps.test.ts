import { describe, expect, it } from "vitest";
import { iouMatrix } from "./geometry.js";
import { OverlapFinder } from "./overlaps.js";
import { SeededRandom } from "./random.js";

function randomBoxes(random: SeededRandom, n: number, special: boolean): Float64Array {
  const boxes = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const x = random.uniform(-50, 1900), y = random.uniform(-50, 1000);
    const w = random.next() < 0.05 ? random.uniform(300, 900) : random.uniform(5, 80);
    const h = random.uniform(5, 200);
    boxes.set([x, y, x + w, y + h], 4 * i);
    if (special && random.next() < 0.1) boxes[4 * i + 2] = x - 3; // negative width
    if (special && random.next() < 0.1) boxes.set([x, y, x + w, y + h], 4 * random.int(i + 1)); // duplicate box
  }
  if (special && n > 0 && random.next() < 0.3) boxes[4 * random.int(n) + random.int(4)] = random.next() < 0.5 ? Number.NaN : Infinity;
  return boxes;
}

describe("OverlapFinder", () => {
  it("lists exactly the pairs with IoU > 0, with the same IoU bits as iouMatrix", () => {
    const random = new SeededRandom(7);
    const finder = new OverlapFinder();
    for (let trial = 0; trial < 300; trial++) {
      const na = random.int(60), nb = random.int(60);
      const special = trial % 2 === 1;
      const a = randomBoxes(random, na, special), b = randomBoxes(random, nb, special);
      const dense = iouMatrix(a, na, b, nb);
      const count = finder.find(a, na, b, nb);
      const listed = new Map<number, number>();
      for (let i = 0; i < na; i++) {
        for (let e = finder.rowStart[i]!; e < finder.rowStart[i + 1]!; e++) listed.set(i * nb + finder.cols[e]!, finder.ious[e]!);
      }
      expect(finder.rowStart[na]).toBe(count);
      expect(listed.size).toBe(count);
      for (let k = 0; k < na * nb; k++) {
        if (dense[k]! > 0) expect(Object.is(listed.get(k), dense[k])).toBe(true);
        else expect(listed.has(k)).toBe(false);
      }
    }
  });

  it("handles empty batches and boxes sharing one corner", () => {
    const finder = new OverlapFinder();
    expect(finder.find(new Float64Array(0), 0, Float64Array.from([0, 0, 1, 1]), 1)).toBe(0);
    expect(finder.find(Float64Array.from([0, 0, 1, 1]), 1, new Float64Array(0), 0)).toBe(0);
    const same = Float64Array.from([10, 10, 20, 20, 10, 10, 20, 20]);
    expect(finder.find(same, 2, same, 2)).toBe(4);
  });
});
