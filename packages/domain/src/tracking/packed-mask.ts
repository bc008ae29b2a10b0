import type { Component } from "./binary-image.js";

/**
 * The motion detector's binary masks packed 32 pixels to a word: the same square morphology and
 * 8-connected components as binary-image.ts (which stays the readable specification, and the
 * tests hold these to it bit for bit), at a fraction of the cost. Each row starts on a word
 * boundary; bit x & 31 of word x >> 5 is pixel x; bits past the width are kept 0.
 *
 * Morphology works on whole words (a shift and an AND or OR per window offset), and components on
 * runs of set pixels, found with count-leading-zeros: a foreground mask is mostly empty words.
 */
export class PackedMask {
  readonly wordsPerRow: number;
  readonly bits: Uint32Array;
  /** Set bits of a row's last word (the rest lie past the width). */
  readonly lastWordMask: number;

  constructor(readonly width: number, readonly height: number) {
    this.wordsPerRow = Math.max(1, Math.ceil(width / 32));
    this.bits = new Uint32Array(this.wordsPerRow * height);
    const tail = width & 31;
    this.lastWordMask = tail === 0 ? 0xffffffff | 0 : (1 << tail) - 1;
  }

  /** One byte per pixel (1 = set), row-major, as binary-image.ts holds masks. */
  toBytes(out = new Uint8Array(this.width * this.height)): Uint8Array {
    const { width, height, wordsPerRow, bits } = this;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out[y * width + x] = (bits[y * wordsPerRow + (x >>> 5)]! >>> (x & 31)) & 1;
    }
    return out;
  }

  static fromBytes(mask: Uint8Array, width: number, height: number): PackedMask {
    const packed = new PackedMask(width, height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (mask[y * width + x] !== 0) packed.bits[y * packed.wordsPerRow + (x >>> 5)]! |= 1 << (x & 31);
    }
    return packed;
  }
}

const MAX_SHIFT = 31;

/**
 * Row pass: pixel x of `dst` is the AND (erode) or OR (dilate) of `src`'s pixels x − r … x + r of
 * its row. Pixels outside the image are ignored: they count as set for erosion, unset for
 * dilation (the identity of the operation), which is what the byte version's clipped window does.
 */
function rowPass(src: PackedMask, dst: Uint32Array, radius: number, erode: boolean): void {
  const n = src.wordsPerRow, bits = src.bits, last = src.lastWordMask;
  const pad = erode ? -1 : 0;
  // The last word with its bits past the width set to the padding.
  const tailFill = pad & ~last;
  for (let row = 0; row < src.height; row++) {
    const base = row * n;
    for (let i = 0; i < n; i++) {
      const word = i === n - 1 ? bits[base + i]! | tailFill : bits[base + i]!;
      const prev = i === 0 ? pad : bits[base + i - 1]!;
      const next = i === n - 1 ? pad : i + 1 === n - 1 ? bits[base + i + 1]! | tailFill : bits[base + i + 1]!;
      let acc = word;
      for (let k = 1; k <= radius; k++) {
        // Pixel x from x + k (the word above shifts in) and from x − k (the word below shifts in).
        const ahead = (word >>> k) | (next << (32 - k));
        const behind = (word << k) | (prev >>> (32 - k));
        acc = erode ? acc & ahead & behind : acc | ahead | behind;
      }
      dst[base + i] = i === n - 1 ? acc & last : acc;
    }
  }
}

/** Column pass: row y of `dst` is the AND or OR of `src`'s rows y − r … y + r that exist. */
function columnPass(src: Uint32Array, dst: Uint32Array, wordsPerRow: number, height: number, radius: number, erode: boolean): void {
  for (let y = 0; y < height; y++) {
    const from = Math.max(0, y - radius), to = Math.min(height - 1, y + radius);
    const out = y * wordsPerRow;
    for (let i = 0; i < wordsPerRow; i++) {
      let acc = src[from * wordsPerRow + i]!;
      for (let r = from + 1; r <= to; r++) acc = erode ? acc & src[r * wordsPerRow + i]! : acc | src[r * wordsPerRow + i]!;
      dst[out + i] = acc;
    }
  }
}

/**
 * `mask` eroded or dilated by a (2r + 1)² square, in place; `scratch` has the mask's word count.
 * Radii above 31 (a word's shift) are done as several smaller squares, which compose exactly.
 */
export function morphSquarePacked(mask: PackedMask, scratch: Uint32Array, radius: number, erode: boolean): void {
  for (let left = radius; left > 0; left -= MAX_SHIFT) {
    const r = Math.min(left, MAX_SHIFT);
    rowPass(mask, scratch, r, erode);
    columnPass(scratch, mask.bits, mask.wordsPerRow, mask.height, r, erode);
  }
}

/** Opening then closing, as binary-image.ts's `openThenClose`. */
export function openThenClosePacked(mask: PackedMask, scratch: Uint32Array, openRadius: number, closeRadius: number): void {
  morphSquarePacked(mask, scratch, openRadius, true);
  morphSquarePacked(mask, scratch, openRadius, false);
  morphSquarePacked(mask, scratch, closeRadius, false);
  morphSquarePacked(mask, scratch, closeRadius, true);
}

/** Index of the lowest set bit of a non-zero word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * Scratch space for `componentsPacked`, kept between frames (it grows when a mask needs more
 * runs): runs as (row, first x, last x) and their union-find parents.
 */
export class RunScratch {
  row = new Int32Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  parent = new Int32Array(256);

  ensure(runs: number): void {
    if (runs <= this.row.length) return;
    const size = Math.max(runs, 2 * this.row.length);
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.row = grow(this.row);
    this.start = grow(this.start);
    this.end = grow(this.end);
    this.parent = grow(this.parent);
  }
}

function findRoot(parent: Int32Array, i: number): number {
  while (parent[i]! !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

/**
 * 8-connected components of the mask, as binary-image.ts's `connectedComponents` answers them
 * (same boxes and pixel counts, in the order of each component's first pixel in raster order):
 * runs of set pixels per row, a run joined to the runs of the row above that touch it or its
 * diagonal neighbours, union-find keeping the earliest run as a component's root.
 */
export function componentsPacked(mask: PackedMask, scratch: RunScratch): Component[] {
  const { wordsPerRow: n, bits, height } = mask;
  const limit = n << 5;
  let runs = 0;
  let previousFirst = 0, previousEnd = 0;
  for (let y = 0; y < height; y++) {
    const base = y * n;
    const rowFirst = runs;
    // Runs of the row, left to right: the next set bit from x, then the next unset bit after it.
    for (let x = 0; x < limit; ) {
      let i = x >>> 5;
      let word = bits[base + i]! & (-1 << (x & 31));
      while (word === 0 && ++i < n) word = bits[base + i]!;
      if (word === 0) break;
      const start = (i << 5) + lowestBit(word);
      let j = i;
      let unset = ~bits[base + j]! & (-1 << (start & 31));
      while (unset === 0 && ++j < n) unset = ~bits[base + j]!;
      // Bits past the width are unset, so a run ends at the width at the latest.
      const stop = unset === 0 ? limit : (j << 5) + lowestBit(unset);
      scratch.ensure(runs + 1);
      scratch.row[runs] = y;
      scratch.start[runs] = start;
      scratch.end[runs] = stop - 1;
      scratch.parent[runs] = runs;
      runs++;
      x = stop;
    }
    // Join each run to the runs above whose span reaches within one pixel of it (8-connectivity).
    const parent = scratch.parent, starts = scratch.start, ends = scratch.end;
    let above = previousFirst;
    for (let r = rowFirst; r < runs; r++) {
      const s = starts[r]!, e = ends[r]!;
      while (above < previousEnd && ends[above]! < s - 1) above++;
      for (let a = above; a < previousEnd && starts[a]! <= e + 1; a++) {
        const ra = findRoot(parent, a), rr = findRoot(parent, r);
        if (ra < rr) parent[rr] = ra;
        else if (rr < ra) parent[ra] = rr;
      }
    }
    previousFirst = rowFirst;
    previousEnd = runs;
  }
  const byRoot = new Map<number, { minX: number; minY: number; maxX: number; maxY: number; pixels: number }>();
  const components: { minX: number; minY: number; maxX: number; maxY: number; pixels: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const root = findRoot(scratch.parent, r);
    const y = scratch.row[r]!, s = scratch.start[r]!, e = scratch.end[r]!;
    const c = byRoot.get(root);
    // The root is the component's earliest run, so components come out in raster order of their first pixel.
    if (c === undefined) {
      const created = { minX: s, minY: y, maxX: e, maxY: y, pixels: e - s + 1 };
      byRoot.set(root, created);
      components.push(created);
    } else {
      if (s < c.minX) c.minX = s;
      if (e > c.maxX) c.maxX = e;
      if (y > c.maxY) c.maxY = y;
      c.pixels += e - s + 1;
    }
  }
  return components;
}
