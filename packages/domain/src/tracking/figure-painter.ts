import type { BoxXYXY } from "./geometry.js";
import { SeededRandom } from "./random.js";

/**
 * Paints simple scenes into packed RGB24 buffers: a textured static floor and person-like figures
 * (head, shirt, trousers). They give the weight-free detector and embedder something to see
 * without any video or model: tests, benchmarks and rendered demo videos use them.
 */
export type Rgb = readonly [number, number, number];

export interface FigureColours {
  readonly shirt: Rgb;
  readonly trousers: Rgb;
  readonly skin?: Rgb;
}

/** A seeded, mildly textured background (blotches of grey-brown, like a floor and walls). */
export function paintBackground(rgb: Uint8Array, width: number, height: number, seed: number): void {
  const random = new SeededRandom(seed);
  const cell = 8;
  const columns = Math.ceil(width / cell);
  const shades = Float32Array.from({ length: columns * Math.ceil(height / cell) }, () => random.uniform(-18, 18));
  for (let y = 0; y < height; y++) {
    const floor = y > height * 0.45;
    for (let x = 0; x < width; x++) {
      const shade = shades[Math.floor(y / cell) * columns + Math.floor(x / cell)]!;
      const p = 3 * (y * width + x);
      rgb[p] = clampByte((floor ? 150 : 185) + shade);
      rgb[p + 1] = clampByte((floor ? 120 : 180) + shade);
      rgb[p + 2] = clampByte((floor ? 90 : 170) + shade);
    }
  }
}

/** A standing figure filling `box`: head (top 15%), shirt (to 55%), trousers (the rest). */
export function paintFigure(rgb: Uint8Array, width: number, height: number, box: BoxXYXY, colours: FigureColours): void {
  const [x1, y1, x2, y2] = box;
  const h = y2 - y1, w = x2 - x1;
  const skin = colours.skin ?? [224, 172, 140];
  fillRect(rgb, width, height, x1 + w * 0.3, y1, x2 - w * 0.3, y1 + h * 0.15, skin);
  fillRect(rgb, width, height, x1, y1 + h * 0.15, x2, y1 + h * 0.55, colours.shirt);
  fillRect(rgb, width, height, x1 + w * 0.1, y1 + h * 0.55, x2 - w * 0.1, y2, colours.trousers);
}

export function fillRect(rgb: Uint8Array, width: number, height: number, x1: number, y1: number, x2: number, y2: number, colour: Rgb): void {
  const xs = Math.max(0, Math.round(x1)), xe = Math.min(width, Math.round(x2));
  const ys = Math.max(0, Math.round(y1)), ye = Math.min(height, Math.round(y2));
  for (let y = ys; y < ye; y++) {
    for (let x = xs, p = 3 * (y * width + xs); x < xe; x++, p += 3) {
      rgb[p] = colour[0];
      rgb[p + 1] = colour[1];
      rgb[p + 2] = colour[2];
    }
  }
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
