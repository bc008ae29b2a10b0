import { describe, expect, it } from "vitest";
import { decodeYolox, yoloxAnchorCount, type YoloxLayout } from "./yolox-decode.js";

const layout: YoloxLayout = { inputSize: 64, strides: [8, 16, 32], numClasses: 3 };
const rows = yoloxAnchorCount(64, layout.strides);

/** Row index of grid cell (gx, gy) at `stride`. */
function rowOf(stride: number, gx: number, gy: number): number {
  let row = 0;
  for (const s of layout.strides) {
    const cells = layout.inputSize / s;
    if (s === stride) return row + gy * cells + gx;
    row += cells * cells;
  }
  throw new Error("no such stride");
}

function output(cells: Array<{ row: number; t: [number, number, number, number]; obj: number; cls: number[] }>): Float32Array {
  const out = new Float32Array(rows * 8);
  for (const c of cells) out.set([...c.t, c.obj, ...c.cls], c.row * 8);
  return out;
}

const options = { ratio: 0.5, imageWidth: 128, imageHeight: 128, classIndex: 0, scoreThreshold: 0.3, nmsThreshold: 0.45 };

describe("decodeYolox", () => {
  it("has one row per grid cell of every stride", () => {
    expect(yoloxAnchorCount(416)).toBe(3549);
  });

  it("decodes centre and size on the grid, scores obj × cls, and scales by the letterbox ratio", () => {
    const out = output([{ row: rowOf(16, 2, 1), t: [0.5, 0.25, Math.log(2), Math.log(3)], obj: 0.9, cls: [0.8, 0.1, 0.1] }]);
    const d = decodeYolox(out, layout, options);
    expect(d.count).toBe(1);
    // cx = (0.5 + 2)·16 = 40, cy = (0.25 + 1)·16 = 20, w = 32, h = 48, then ÷ 0.5.
    [48, 0, 112, 88].forEach((v, k) => expect(d.boxes[k]).toBeCloseTo(v, 5));
    expect(d.scores[0]).toBeCloseTo(0.72, 6);
  });

  it("ignores other classes, drops low scores, suppresses overlaps, and clips to the image", () => {
    const out = output([
      { row: rowOf(8, 3, 3), t: [0, 0, Math.log(2), Math.log(4)], obj: 0.9, cls: [0.9, 0, 0] },
      { row: rowOf(8, 3, 4), t: [0, -0.5, Math.log(2), Math.log(4)], obj: 0.9, cls: [0.7, 0, 0] },
      { row: rowOf(8, 6, 6), t: [0, 0, Math.log(2), Math.log(2)], obj: 0.9, cls: [0.01, 0.99, 0] },
      { row: rowOf(32, 1, 1), t: [0.9, 0.9, Math.log(4), Math.log(4)], obj: 0.5, cls: [0.9, 0, 0] },
    ]);
    const d = decodeYolox(out, layout, options);
    expect(d.count).toBe(2);
    expect(Array.from(d.scores)).toEqual([Math.fround(0.9) * Math.fround(0.9), Math.fround(0.5) * Math.fround(0.9)]);
    // The stride-32 box (-6.4, -6.4, 249.6, 249.6 in image pixels) is clipped to the 128 × 128 image.
    expect(Array.from(d.boxes.subarray(4))).toEqual([0, 0, 128, 128]);
  });
});
