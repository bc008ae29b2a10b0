import type { BoxXYXY } from "./geometry.js";
import { cropRegion } from "./image-kernels.js";

/**
 * A weight-free appearance descriptor: HSV colour histograms of the upper and lower half of a
 * person's box (clothes usually differ between them), concatenated. Chromatic pixels vote in a
 * hue × saturation grid; pixels too grey or dark to have a stable hue vote in a brightness
 * histogram instead, so black, white and grey clothes are told apart too. Each half is
 * normalised to sum 1 and square-rooted (Hellinger), so the dot product of two unit vectors is
 * the mean Bhattacharyya coefficient of the halves: 1 for equal colour distributions, 0 for
 * disjoint ones.
 */
const HUE_BINS = 12;
const SATURATION_BINS = 3;
const VALUE_BINS = 8;
/** Below this saturation, or this value (0–1), hue is noise. */
const MIN_SATURATION = 0.25;
const MIN_VALUE = 0.2;
/** Left and right margins of the box skipped: boxes include background at their sides. */
const SIDE_MARGIN = 0.1;
/** At most about this many pixels are sampled per half (a regular grid), to bound the cost. */
const SAMPLES_PER_HALF = 4096;

const HALF_DIM = HUE_BINS * SATURATION_BINS + VALUE_BINS;
export const COLOUR_HISTOGRAM_DIM = 2 * HALF_DIM;

/** Writes the box's descriptor (COLOUR_HISTOGRAM_DIM floats, unit L2 norm) at `out[offset …]`. */
export function colourHistogram(rgb: Uint8Array, width: number, height: number, box: BoxXYXY, out: Float32Array, offset: number): void {
  const region = cropRegion(box, width, height);
  const x0 = region.x + Math.floor(region.width * SIDE_MARGIN);
  const x1 = Math.max(x0 + 1, region.x + region.width - Math.floor(region.width * SIDE_MARGIN));
  const middle = region.y + Math.max(1, Math.floor(region.height / 2));
  out.fill(0, offset, offset + COLOUR_HISTOGRAM_DIM);
  accumulateHalf(rgb, width, x0, x1, region.y, middle, out, offset);
  accumulateHalf(rgb, width, x0, x1, middle, Math.max(middle + 1, region.y + region.height), out, offset + HALF_DIM);
  let total = 0;
  for (let half = 0; half < 2; half++) {
    const start = offset + half * HALF_DIM;
    let sum = 0;
    for (let k = 0; k < HALF_DIM; k++) sum += out[start + k]!;
    for (let k = 0; k < HALF_DIM; k++) {
      const v = sum > 0 ? Math.sqrt(out[start + k]! / sum) : 0;
      out[start + k] = v;
      total += v * v;
    }
  }
  const scale = total > 0 ? 1 / Math.sqrt(total) : 0;
  for (let k = 0; k < COLOUR_HISTOGRAM_DIM; k++) out[offset + k] = out[offset + k]! * scale;
}

/** A lower half that lies outside the frame (a box clipped at the bottom) stays empty. */
function accumulateHalf(rgb: Uint8Array, width: number, x0: number, x1: number, y0: number, y1: number, out: Float32Array, offset: number): void {
  const area = (x1 - x0) * (y1 - y0);
  const step = Math.max(1, Math.floor(Math.sqrt(area / SAMPLES_PER_HALF)));
  for (let y = y0; y < y1; y += step) {
    for (let x = x0, p = 3 * (y * width + x0); x < x1; x += step, p += 3 * step) {
      const r = rgb[p]!, g = rgb[p + 1]!, b = rgb[p + 2]!;
      const max = r > g ? (r > b ? r : b) : g > b ? g : b;
      const min = r < g ? (r < b ? r : b) : g < b ? g : b;
      const value = max / 255;
      const chroma = max - min;
      const saturation = max > 0 ? chroma / max : 0;
      if (saturation < MIN_SATURATION || value < MIN_VALUE) {
        const bin = Math.min(VALUE_BINS - 1, Math.floor(value * VALUE_BINS));
        out[offset + HUE_BINS * SATURATION_BINS + bin]! += 1;
        continue;
      }
      let hue: number;
      if (max === r) hue = (g - b) / chroma;
      else if (max === g) hue = 2 + (b - r) / chroma;
      else hue = 4 + (r - g) / chroma;
      if (hue < 0) hue += 6;
      const hueBin = Math.min(HUE_BINS - 1, Math.floor((hue / 6) * HUE_BINS));
      const satBin = Math.min(SATURATION_BINS - 1, Math.floor(((saturation - MIN_SATURATION) / (1 - MIN_SATURATION)) * SATURATION_BINS));
      out[offset + hueBin * SATURATION_BINS + satBin]! += 1;
    }
  }
}
