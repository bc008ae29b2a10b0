import { describe, expect, it } from "vitest";
import { COLOUR_HISTOGRAM_DIM, colourHistogram } from "./colour-histogram.js";
import { paintBackground, paintFigure, type FigureColours } from "./figure-painter.js";
import { SeededRandom } from "./random.js";

const [W, H] = [320, 240];

function descriptor(colours: FigureColours, box: [number, number, number, number], seed: number): Float32Array {
  const rgb = new Uint8Array(3 * W * H);
  paintBackground(rgb, W, H, seed);
  paintFigure(rgb, W, H, box, colours);
  const noise = new SeededRandom(seed);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, rgb[i]! + Math.round(noise.uniform(-8, 8))));
  const out = new Float32Array(COLOUR_HISTOGRAM_DIM);
  // Detector boxes are loose: a few pixels of floor around the figure.
  colourHistogram(rgb, W, H, [box[0] - 4, box[1] - 3, box[2] + 4, box[3] + 3], out, 0);
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, k) => sum + v * b[k]!, 0);

describe("colourHistogram", () => {
  const red: FigureColours = { shirt: [200, 30, 30], trousers: [30, 40, 160] };
  const green: FigureColours = { shirt: [40, 170, 60], trousers: [25, 25, 25] };
  const redAndBlack: FigureColours = { shirt: [200, 30, 30], trousers: [25, 25, 25] };

  it("is a unit vector", () => {
    const d = descriptor(red, [50, 100, 90, 200], 1);
    expect(dot(d, d)).toBeCloseTo(1, 5);
  });

  it("is close for the same figure elsewhere and far for differently dressed figures", () => {
    const same = dot(descriptor(red, [50, 100, 90, 200], 1), descriptor(red, [200, 90, 236, 186], 2));
    const different = dot(descriptor(red, [50, 100, 90, 200], 1), descriptor(green, [200, 90, 236, 186], 2));
    const halfSame = dot(descriptor(red, [50, 100, 90, 200], 1), descriptor(redAndBlack, [200, 90, 236, 186], 2));
    expect(same).toBeGreaterThan(0.9);
    expect(different).toBeLessThan(0.5);
    // Upper and lower halves are separate: a shared shirt counts half.
    expect(halfSame).toBeGreaterThan(different);
    expect(halfSame).toBeLessThan(same);
  });
});
