import { describe, expect, it } from "vitest";
import { IMAGENET_NORMALISATION, cropRegion, cropToPlanarRgb, letterboxBgrPlanar } from "./image-kernels.js";
import { SeededRandom } from "./random.js";

function randomImage(width: number, height: number, seed: number): Uint8Array {
  const random = new SeededRandom(seed);
  return Uint8Array.from({ length: 3 * width * height }, () => Math.floor(random.next() * 256));
}

/** OpenCV INTER_LINEAR written the obvious way: one source coordinate per target pixel and channel. */
function naiveSample(image: Uint8Array, width: number, region: { x: number; y: number; width: number; height: number }, dx: number, dy: number, tw: number, th: number, c: number): number {
  const coordinate = (d: number, source: number, target: number) => {
    const s = Math.max(0, (d + 0.5) * (source / target) - 0.5);
    const i = Math.min(Math.floor(s), source - 1);
    return { i, j: Math.min(i + 1, source - 1), w: i >= source - 1 ? 0 : s - i };
  };
  const X = coordinate(dx, region.width, tw), Y = coordinate(dy, region.height, th);
  const at = (x: number, y: number) => image[3 * ((region.y + y) * width + region.x + x) + c]!;
  const top = at(X.i, Y.i) * (1 - X.w) + at(X.j, Y.i) * X.w;
  const bottom = at(X.i, Y.j) * (1 - X.w) + at(X.j, Y.j) * X.w;
  return top * (1 - Y.w) + bottom * Y.w;
}

describe("letterboxBgrPlanar", () => {
  it("resizes into the top-left corner as BGR planes, pads with 114, and reports the ratio", () => {
    const [w, h, size] = [77, 43, 64];
    const image = randomImage(w, h, 1);
    const out = new Float32Array(3 * size * size);
    const lb = letterboxBgrPlanar(image, w, h, size, out);
    expect(lb.ratio).toBeCloseTo(Math.min(size / h, size / w), 12);
    expect([lb.resizedWidth, lb.resizedHeight]).toEqual([64, Math.floor(h * lb.ratio)]);
    const region = { x: 0, y: 0, width: w, height: h };
    for (let c = 0; c < 3; c++) {
      const plane = (2 - c) * size * size; // source channel c (R, G, B) lands in plane 2 - c (B, G, R)
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const expected = y < lb.resizedHeight && x < lb.resizedWidth ? naiveSample(image, w, region, x, y, lb.resizedWidth, lb.resizedHeight, c) : 114;
          expect(Math.abs(out[plane + y * size + x]! - expected)).toBeLessThan(1e-3);
        }
      }
    }
  });
});

describe("same-size resampling", () => {
  it("copies pixels exactly when the image already has the letterboxed size", () => {
    const [w, h, size] = [64, 36, 64];
    const image = randomImage(w, h, 3);
    const out = new Float32Array(3 * size * size);
    expect(letterboxBgrPlanar(image, w, h, size, out)).toEqual({ ratio: 1, resizedWidth: 64, resizedHeight: 36 });
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) expect(out[(2 - c) * size * size + y * size + x]).toBe(y < h ? image[3 * (y * w + x) + c] : 114);
      }
    }
  });
});

describe("cropToPlanarRgb", () => {
  it("crops the clipped box, resizes it and normalises with ImageNet statistics", () => {
    const [w, h] = [50, 40];
    const image = randomImage(w, h, 2);
    const box = [-5.5, 3.7, 30.2, 60] as const;
    const region = cropRegion(box, w, h);
    expect(region).toEqual({ x: 0, y: 3, width: 30, height: 37 });
    const [tw, th] = [16, 32];
    const out = new Float32Array(5 + 3 * tw * th);
    cropToPlanarRgb(image, w, h, box, tw, th, out, 5);
    const { mean, std } = IMAGENET_NORMALISATION;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const expected = (naiveSample(image, w, region, x, y, tw, th, c) / 255 - mean[c]!) / std[c]!;
          expect(Math.abs(out[5 + c * tw * th + y * tw + x]! - expected)).toBeLessThan(1e-4);
        }
      }
    }
  });

  it("keeps at least one pixel of a box that lies outside the image", () => {
    expect(cropRegion([100, 100, 120, 130], 50, 40)).toEqual({ x: 49, y: 39, width: 1, height: 1 });
  });
});
