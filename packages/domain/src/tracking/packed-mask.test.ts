import { describe, expect, it } from "vitest";
import { connectedComponents, morphSquare, openThenClose } from "./binary-image.js";
import { PackedMask, RunScratch, componentsPacked, morphSquarePacked, openThenClosePacked } from "./packed-mask.js";
import { SeededRandom } from "./random.js";

/** Random masks: noise of a given density plus a few solid blocks, so runs cross word boundaries. */
function randomMask(random: SeededRandom, width: number, height: number, density: number): Uint8Array {
  const mask = Uint8Array.from({ length: width * height }, () => (random.next() < density ? 1 : 0));
  for (let b = 0; b < 3; b++) {
    const x0 = Math.floor(random.next() * width), y0 = Math.floor(random.next() * height);
    const x1 = Math.min(width, x0 + 1 + Math.floor(random.next() * 40)), y1 = Math.min(height, y0 + 1 + Math.floor(random.next() * 20));
    for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  }
  return mask;
}

const SIZES: Array<[number, number]> = [[1, 1], [1, 7], [5, 5], [31, 4], [32, 9], [33, 8], [64, 3], [70, 40], [100, 33], [320, 18]];

describe("PackedMask", () => {
  it("round-trips a byte mask and keeps the bits past the width unset", () => {
    const random = new SeededRandom(1);
    for (const [width, height] of SIZES) {
      const bytes = randomMask(random, width, height, 0.5);
      const packed = PackedMask.fromBytes(bytes, width, height);
      expect(packed.toBytes()).toEqual(bytes);
      for (let y = 0; y < height; y++) expect(packed.bits[y * packed.wordsPerRow + packed.wordsPerRow - 1]! & ~packed.lastWordMask).toBe(0);
    }
  });

  it("erodes and dilates exactly as the byte masks do, edges and radii above a word's shift included", () => {
    const random = new SeededRandom(2);
    for (const [width, height] of SIZES) {
      for (const radius of [0, 1, 2, 3, 33]) {
        for (const erode of [true, false]) {
          const bytes = randomMask(random, width, height, erode ? 0.8 : 0.05);
          const packed = PackedMask.fromBytes(bytes, width, height);
          morphSquare(bytes, new Uint8Array(bytes.length), width, height, radius, erode);
          morphSquarePacked(packed, new Uint32Array(packed.bits.length), radius, erode);
          expect(packed.toBytes(), `${width}×${height} r=${radius} ${erode ? "erode" : "dilate"}`).toEqual(bytes);
        }
      }
    }
  });

  it("opens then closes, and finds the same components in the same order, as the byte masks do", () => {
    const random = new SeededRandom(3);
    const runs = new RunScratch();
    for (const [width, height] of SIZES) {
      for (const density of [0, 0.1, 0.3, 0.6, 1]) {
        const bytes = randomMask(random, width, height, density);
        const packed = PackedMask.fromBytes(bytes, width, height);
        openThenClose(bytes, new Uint8Array(bytes.length), width, height, 1, 2);
        openThenClosePacked(packed, new Uint32Array(packed.bits.length), 1, 2);
        expect(packed.toBytes()).toEqual(bytes);
        const noisy = randomMask(random, width, height, density);
        const expected = connectedComponents(noisy, width, height, new Int32Array(noisy.length));
        expect(componentsPacked(PackedMask.fromBytes(noisy, width, height), runs), `${width}×${height} density ${density}`).toEqual(expected);
      }
    }
  });
});
