/**
 * Boxes are xyxy (x1, y1, x2, y2) in pixels, no +1 convention. Batches of boxes are packed in a
 * Float64Array of length 4n so that IoU matrices run over contiguous memory.
 */
export type BoxXYXY = readonly [number, number, number, number];

export function xywhToXyxy(x: number, y: number, w: number, h: number): [number, number, number, number] {
  return [x, y, x + w, y + h];
}

export function boxArea(x1: number, y1: number, x2: number, y2: number): number {
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return iouAt(a, 0, b, 0);
}

/** IoU of the boxes starting at a[ai] and b[bi]; 0 when the union is empty. */
export function iouAt(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const ax1 = a[ai]!, ay1 = a[ai + 1]!, ax2 = a[ai + 2]!, ay2 = a[ai + 3]!;
  const bx1 = b[bi]!, by1 = b[bi + 1]!, bx2 = b[bi + 2]!, by2 = b[bi + 3]!;
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Row-major IoU matrix (na × nb) of packed box batches. `out` is reused when large enough, so a
 * tracker can call this every frame without allocating.
 */
export function iouMatrix(a: Float64Array, na: number, b: Float64Array, nb: number, out?: Float64Array): Float64Array {
  const result = out && out.length >= na * nb ? out : new Float64Array(na * nb);
  for (let i = 0; i < na; i++) {
    const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    const row = i * nb;
    for (let j = 0; j < nb; j++) {
      const k = 4 * j;
      const bx1 = b[k]!, by1 = b[k + 1]!, bx2 = b[k + 2]!, by2 = b[k + 3]!;
      const iw = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
      const ih = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
      if (iw <= 0 || ih <= 0) {
        result[row + j] = 0;
        continue;
      }
      const inter = iw * ih;
      const union = areaA + (bx2 - bx1) * (by2 - by1) - inter;
      result[row + j] = union > 0 ? inter / union : 0;
    }
  }
  return result;
}

/**
 * Class-agnostic non-maximum suppression: indices of kept boxes, best score first. A box is
 * dropped when its IoU with an already kept box exceeds `iouThreshold`.
 */
export function nms(boxes: Float64Array, scores: ArrayLike<number>, n: number, iouThreshold: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => scores[q]! - scores[p]!);
  const suppressed = new Uint8Array(n);
  const kept: number[] = [];
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    kept.push(i);
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj]!;
      if (!suppressed[j] && iouAt(boxes, 4 * i, boxes, 4 * j) > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(kept);
}

/** Aspect-preserving resize into a (width × height) canvas with centred padding, as YOLO inputs use. */
export interface Letterbox {
  readonly scale: number;
  readonly padX: number;
  readonly padY: number;
  readonly width: number;
  readonly height: number;
}

export function letterbox(sourceWidth: number, sourceHeight: number, width: number, height: number): Letterbox {
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  return { scale, padX: (width - sourceWidth * scale) / 2, padY: (height - sourceHeight * scale) / 2, width, height };
}

/** Same as `letterbox` but pads only right and bottom (YOLOX preprocessing). */
export function letterboxTopLeft(sourceWidth: number, sourceHeight: number, width: number, height: number): Letterbox {
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  return { scale, padX: 0, padY: 0, width, height };
}

export function toLetterbox(box: BoxXYXY, lb: Letterbox): [number, number, number, number] {
  return [box[0] * lb.scale + lb.padX, box[1] * lb.scale + lb.padY, box[2] * lb.scale + lb.padX, box[3] * lb.scale + lb.padY];
}

export function fromLetterbox(box: BoxXYXY, lb: Letterbox): [number, number, number, number] {
  return [(box[0] - lb.padX) / lb.scale, (box[1] - lb.padY) / lb.scale, (box[2] - lb.padX) / lb.scale, (box[3] - lb.padY) / lb.scale];
}

export function clipBox(box: BoxXYXY, width: number, height: number): [number, number, number, number] {
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  return [clamp(box[0], width), clamp(box[1], height), clamp(box[2], width), clamp(box[3], height)];
}

/** The point of a person's box that touches the floor: bottom centre ((x1 + x2) / 2, y2). */
export function bottomCentre(box: ArrayLike<number>, offset = 0): [number, number] {
  return [(box[offset]! + box[offset + 2]!) / 2, box[offset + 3]!];
}
