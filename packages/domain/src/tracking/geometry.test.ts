import { describe, expect, it } from "vitest";
import { bottomCentre, fromLetterbox, iou, iouMatrix, letterbox, nms, toLetterbox } from "./geometry.js";
import { SeededRandom } from "./random.js";

describe("geometry", () => {
  it("computes IoU of overlapping, touching and disjoint boxes", () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [30, 30, 40, 40])).toBe(0);
  });

  it("fills an IoU matrix equal to pairwise IoU", () => {
    const random = new SeededRandom(3);
    const make = (n: number) => {
      const boxes = new Float64Array(4 * n);
      for (let i = 0; i < n; i++) {
        const x = random.uniform(0, 100), y = random.uniform(0, 100);
        boxes.set([x, y, x + random.uniform(5, 40), y + random.uniform(5, 40)], 4 * i);
      }
      return boxes;
    };
    const a = make(7), b = make(5);
    const matrix = iouMatrix(a, 7, b, 5);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) {
      expect(matrix[i * 5 + j]).toBeCloseTo(iou(a.subarray(4 * i, 4 * i + 4), b.subarray(4 * j, 4 * j + 4)), 12);
    }
  });

  it("suppresses overlapping boxes, keeping the best score", () => {
    const boxes = Float64Array.from([0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60]);
    expect(Array.from(nms(boxes, [0.5, 0.9, 0.7], 3, 0.5))).toEqual([1, 2]);
  });

  it("maps boxes through a letterbox and back", () => {
    const lb = letterbox(1920, 1080, 416, 416);
    const box = [100, 200, 300, 400] as const;
    const there = toLetterbox(box, lb);
    expect(there[1]).toBeGreaterThan(lb.padY);
    fromLetterbox(there, lb).forEach((v, k) => expect(v).toBeCloseTo(box[k]!, 9));
    expect(bottomCentre(box)).toEqual([200, 400]);
  });
});
