/**
 * Binary masks (Uint8Array, 1 = set, row-major) and the operations a foreground mask needs:
 * square morphology and connected components. Square erosion and dilation are separable
 * (a row pass, then a column pass) and use a running count over the window, so the cost does not
 * grow with the radius. Pixels outside the image are ignored, not treated as set or unset, so a
 * person entering at an edge is not eaten away by it.
 */

function pass(src: Uint8Array, dst: Uint8Array, width: number, height: number, radius: number, horizontal: boolean, erode: boolean): void {
  const lines = horizontal ? height : width;
  const length = horizontal ? width : height;
  const step = horizontal ? 1 : width;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * width : line;
    let count = 0;
    // Window [i - radius, i + radius] clipped to [0, length).
    for (let k = 0; k < Math.min(radius, length); k++) count += src[base + k * step]!;
    for (let i = 0; i < length; i++) {
      const enter = i + radius, leave = i - radius - 1;
      if (enter < length) count += src[base + enter * step]!;
      if (leave >= 0) count -= src[base + leave * step]!;
      const size = Math.min(enter, length - 1) - Math.max(i - radius, 0) + 1;
      dst[base + i * step] = erode ? (count === size ? 1 : 0) : count > 0 ? 1 : 0;
    }
  }
}

/** `mask` eroded (erode) or dilated by a (2r + 1)² square, in place; `scratch` has the mask's size. */
export function morphSquare(mask: Uint8Array, scratch: Uint8Array, width: number, height: number, radius: number, erode: boolean): void {
  if (radius <= 0) return;
  pass(mask, scratch, width, height, radius, true, erode);
  pass(scratch, mask, width, height, radius, false, erode);
}

/** Opening (removes specks smaller than the square) then closing (fills gaps narrower than it). */
export function openThenClose(mask: Uint8Array, scratch: Uint8Array, width: number, height: number, openRadius: number, closeRadius: number): void {
  morphSquare(mask, scratch, width, height, openRadius, true);
  morphSquare(mask, scratch, width, height, openRadius, false);
  morphSquare(mask, scratch, width, height, closeRadius, false);
  morphSquare(mask, scratch, width, height, closeRadius, true);
}

/** One 8-connected component: its bounding box (inclusive pixel bounds) and pixel count. */
export interface Component {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly pixels: number;
}

function find(parent: Int32Array, i: number): number {
  while (parent[i]! !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

/**
 * 8-connected components of `mask` by two-pass labelling with union-find (path halving).
 * `labels` (Int32Array of the mask's size) is scratch space and may be reused between calls.
 */
export function connectedComponents(mask: Uint8Array, width: number, height: number, labels: Int32Array): Component[] {
  const parent: number[] = [0];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (mask[i] === 0) {
        labels[i] = 0;
        continue;
      }
      // Already-labelled neighbours: W, NW, N, NE.
      const w = x > 0 ? labels[i - 1]! : 0;
      const nw = x > 0 && y > 0 ? labels[i - width - 1]! : 0;
      const n = y > 0 ? labels[i - width]! : 0;
      const ne = x + 1 < width && y > 0 ? labels[i - width + 1]! : 0;
      let label = w || nw || n || ne;
      if (label === 0) {
        label = parent.length;
        parent.push(label);
      } else {
        if (nw !== 0 && nw !== label) union(parent, label, nw);
        if (n !== 0 && n !== label) union(parent, label, n);
        if (ne !== 0 && ne !== label) union(parent, label, ne);
      }
      labels[i] = label;
    }
  }
  const roots = Int32Array.from(parent);
  for (let l = 1; l < roots.length; l++) roots[l] = find(roots, l);
  const byRoot = new Map<number, { minX: number; minY: number; maxX: number; maxY: number; pixels: number }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const label = labels[y * width + x]!;
      if (label === 0) continue;
      const root = roots[label]!;
      const c = byRoot.get(root);
      // Rows are scanned top-down, so a component's first pixel gives its minY.
      if (c === undefined) byRoot.set(root, { minX: x, minY: y, maxX: x, maxY: y, pixels: 1 });
      else {
        if (x < c.minX) c.minX = x;
        if (x > c.maxX) c.maxX = x;
        if (y > c.maxY) c.maxY = y;
        c.pixels++;
      }
    }
  }
  return [...byRoot.values()];
}

function union(parent: number[], a: number, b: number): void {
  let ra = a, rb = b;
  while (parent[ra]! !== ra) ra = parent[ra] = parent[parent[ra]!]!;
  while (parent[rb]! !== rb) rb = parent[rb] = parent[parent[rb]!]!;
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}
