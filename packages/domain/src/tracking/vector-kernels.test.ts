import { describe, expect, it } from "vitest";
import { FrameEmbeddings } from "./frame-embeddings.js";
import { SeededRandom } from "./random.js";
import { blendInto, blendIntoStored, dot, scaleInto, scaleIntoAndDot, sumOfSquares } from "./vector-kernels.js";

const random = new SeededRandom(11);
const vector = (n: number) => Float32Array.from({ length: n }, () => random.normal());
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(Array.from(a).every((v, k) => Object.is(v, b[k]))).toBe(true);

// The plain element-wise loops the kernels must reproduce bit for bit.
function plainDot(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < x.length; k++) sum += x[k]! * y[k]!;
  return sum;
}

describe("vector kernels", () => {
  it("equal the plain loops bit for bit, for every length", () => {
    for (let n = 0; n < 40; n++) {
      const x = vector(n), y = vector(n);
      expect(Object.is(dot(x, y), plainDot(x, y))).toBe(true);
      expect(Object.is(sumOfSquares(x), plainDot(x, x))).toBe(true);
      const scaled = new Float32Array(n);
      scaleInto(x, 0.37, scaled);
      same(scaled, Float32Array.from(x, (v) => v * 0.37));
      const fused = new Float32Array(n);
      expect(Object.is(scaleIntoAndDot(x, 0.37, fused, y), plainDot(scaled, y))).toBe(true);
      same(fused, scaled);
      const smooth = vector(n), current = vector(n), expected = Float32Array.from(smooth);
      let expectedSum = 0;
      for (let k = 0; k < n; k++) {
        const v = 0.9 * expected[k]! + (1 - 0.9) * current[k]!;
        expected[k] = v;
        expectedSum += v * v;
      }
      expect(Object.is(blendInto(smooth, current, 0.9), expectedSum)).toBe(true);
      same(smooth, expected);
      // The gallery variant sums the squares of the stored (float32) values.
      const gallery = vector(n), stored = Float32Array.from(gallery);
      let storedSum = 0;
      for (let k = 0; k < n; k++) {
        stored[k] = 0.8 * stored[k]! + (1 - 0.8) * current[k]!;
        storedSum += stored[k]! * stored[k]!;
      }
      expect(Object.is(blendIntoStored(gallery, current, 0.8), storedSum)).toBe(true);
      same(gallery, stored);
    }
  });

  it("read past a shorter second operand as the plain loop does (NaN)", () => {
    expect(dot(vector(8), vector(5))).toBeNaN();
  });
});

describe("FrameEmbeddings", () => {
  it("normalises each detection as Track does, including a truncated embeddings array", () => {
    const dim = 7, count = 3;
    const embeddings = vector(dim * count - 2); // the last detection's vector is cut short
    const frame = new FrameEmbeddings();
    frame.startFrame({ count, boxes: new Float64Array(4 * count), scores: new Float64Array(count), embeddings, embeddingDim: dim });
    for (let i = 0; i < count; i++) {
      const expected = new Float32Array(dim);
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += embeddings[i * dim + k]! * embeddings[i * dim + k]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < dim; k++) expected[k] = embeddings[i * dim + k]! * scale;
      const other = vector(dim);
      const fresh = new FrameEmbeddings();
      fresh.startFrame({ count, boxes: new Float64Array(4 * count), scores: new Float64Array(count), embeddings, embeddingDim: dim });
      // Normalising while taking the first similarity gives the same vector and the same value.
      const first = fresh.similarity(i, other);
      expect(Object.is(first, plainDot(expected, other)) || (Number.isNaN(first) && Number.isNaN(plainDot(expected, other)))).toBe(true);
      same(fresh.vector(i), expected);
      same(frame.vector(i), expected);
      expect(frame.vector(i)).toBe(frame.vector(i)); // computed once, then reused
    }
  });
});
