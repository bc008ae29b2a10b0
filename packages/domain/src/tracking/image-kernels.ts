import type { BoxXYXY } from "./geometry.js";

/**
 * Bilinear resampling of packed RGB24 images (row-major, 3 bytes per pixel) into planar float
 * tensors (NCHW), the input layout of the ONNX models. Sampling follows OpenCV's INTER_LINEAR
 * (pixel centres: src = (dst + 0.5) · srcSize / dstSize − 0.5, clamped to the edge), the resize
 * the models were trained with. Per-axis indices and weights are computed once per call, so the
 * inner loop is four taps and a multiply-add per channel, with no allocation per pixel.
 */

/** Source pixels [x, x + width) × [y, y + height) of an RGB24 image `imageWidth` pixels wide. */
export interface PixelRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where and how the resized pixels go: plane c starts at `offset + planeOf[c] · planeSize`. */
export interface PlanarTarget {
  readonly out: Float32Array;
  readonly offset: number;
  readonly width: number;
  readonly height: number;
  /** Floats between two rows of a plane (≥ width; larger when pasting into a bigger canvas). */
  readonly rowStride: number;
  readonly planeSize: number;
  /** Plane index of R, G and B: [0, 1, 2] keeps RGB, [2, 1, 0] writes BGR. */
  readonly planeOf: readonly [number, number, number];
  /** value = byte · scale[c] + bias[c], per source channel R, G, B. */
  readonly scale: readonly [number, number, number];
  readonly bias: readonly [number, number, number];
}

interface AxisPlan {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly weight: Float32Array;
}

function axisPlan(start: number, sourceLength: number, targetLength: number, unit: number): AxisPlan {
  const lo = new Int32Array(targetLength);
  const hi = new Int32Array(targetLength);
  const weight = new Float32Array(targetLength);
  const step = sourceLength / targetLength;
  for (let d = 0; d < targetLength; d++) {
    let s = (d + 0.5) * step - 0.5;
    if (s < 0) s = 0;
    let i = Math.floor(s);
    let w = s - i;
    if (i >= sourceLength - 1) {
      i = sourceLength - 1;
      w = 0;
    }
    lo[d] = (start + i) * unit;
    hi[d] = (start + Math.min(i + 1, sourceLength - 1)) * unit;
    weight[d] = w;
  }
  return { lo, hi, weight };
}

/** Resizes `region` of `image` into `target` (bilinear, OpenCV pixel-centre convention). */
export function resizeRegionToPlanar(image: Uint8Array, imageWidth: number, region: PixelRegion, target: PlanarTarget): void {
  if (region.width === target.width && region.height === target.height) return copyRegionToPlanar(image, imageWidth, region, target);
  const xs = axisPlan(region.x, region.width, target.width, 3);
  const ys = axisPlan(region.y, region.height, target.height, 3 * imageWidth);
  const { out, rowStride, width, height } = target;
  const [pr, pg, pb] = target.planeOf;
  const baseR = target.offset + pr * target.planeSize;
  const baseG = target.offset + pg * target.planeSize;
  const baseB = target.offset + pb * target.planeSize;
  const [sr, sg, sb] = target.scale;
  const [br, bg, bb] = target.bias;
  const xlo = xs.lo, xhi = xs.hi, xw = xs.weight;
  for (let dy = 0; dy < height; dy++) {
    const r0 = ys.lo[dy]!, r1 = ys.hi[dy]!, wy = ys.weight[dy]!;
    const row = dy * rowStride;
    for (let dx = 0; dx < width; dx++) {
      const a = xlo[dx]!, b = xhi[dx]!, wx = xw[dx]!;
      const p00 = r0 + a, p01 = r0 + b, p10 = r1 + a, p11 = r1 + b;
      let top = image[p00]! + (image[p01]! - image[p00]!) * wx;
      let bottom = image[p10]! + (image[p11]! - image[p10]!) * wx;
      out[baseR + row + dx] = (top + (bottom - top) * wy) * sr + br;
      top = image[p00 + 1]! + (image[p01 + 1]! - image[p00 + 1]!) * wx;
      bottom = image[p10 + 1]! + (image[p11 + 1]! - image[p10 + 1]!) * wx;
      out[baseG + row + dx] = (top + (bottom - top) * wy) * sg + bg;
      top = image[p00 + 2]! + (image[p01 + 2]! - image[p00 + 2]!) * wx;
      bottom = image[p10 + 2]! + (image[p11 + 2]! - image[p10 + 2]!) * wx;
      out[baseB + row + dx] = (top + (bottom - top) * wy) * sb + bb;
    }
  }
}

/**
 * Same size: bilinear sampling would land exactly on pixels, so convert directly (a frame that
 * ffmpeg already scaled to the model's size costs a third of a resample).
 */
function copyRegionToPlanar(image: Uint8Array, imageWidth: number, region: PixelRegion, target: PlanarTarget): void {
  const { out, rowStride, width, height } = target;
  const [pr, pg, pb] = target.planeOf;
  const [sr, sg, sb] = target.scale;
  const [br, bg, bb] = target.bias;
  for (let dy = 0; dy < height; dy++) {
    const o = dy * rowStride;
    const baseR = target.offset + pr * target.planeSize + o;
    const baseG = target.offset + pg * target.planeSize + o;
    const baseB = target.offset + pb * target.planeSize + o;
    for (let dx = 0, p = 3 * ((region.y + dy) * imageWidth + region.x); dx < width; dx++, p += 3) {
      out[baseR + dx] = image[p]! * sr + br;
      out[baseG + dx] = image[p + 1]! * sg + bg;
      out[baseB + dx] = image[p + 2]! * sb + bb;
    }
  }
}

export interface LetterboxResult {
  /** Image pixels × ratio = input pixels (divide boxes by it to come back). */
  readonly ratio: number;
  readonly resizedWidth: number;
  readonly resizedHeight: number;
}

/**
 * YOLOX's letterbox: ratio = min(size / H, size / W), resize to (⌊W·ratio⌋, ⌊H·ratio⌋), paste at
 * the top-left of a size × size canvas of `pad`, BGR planes of raw 0–255 values into `out`
 * (3 · size² floats).
 */
export function letterboxBgrPlanar(image: Uint8Array, width: number, height: number, size: number, out: Float32Array, pad = 114): LetterboxResult {
  const ratio = Math.min(size / height, size / width);
  const resizedWidth = Math.max(1, Math.min(size, Math.floor(width * ratio)));
  const resizedHeight = Math.max(1, Math.min(size, Math.floor(height * ratio)));
  const planeSize = size * size;
  resizeRegionToPlanar(image, width, { x: 0, y: 0, width, height }, {
    out, offset: 0, width: resizedWidth, height: resizedHeight, rowStride: size, planeSize,
    planeOf: [2, 1, 0], scale: [1, 1, 1], bias: [0, 0, 0],
  });
  for (let c = 0; c < 3; c++) {
    const plane = c * planeSize;
    if (resizedWidth < size) for (let y = 0; y < resizedHeight; y++) out.fill(pad, plane + y * size + resizedWidth, plane + (y + 1) * size);
    out.fill(pad, plane + resizedHeight * size, plane + planeSize);
  }
  return { ratio, resizedWidth, resizedHeight };
}

/**
 * The integer pixel region of a box clipped to the image, at least one pixel each way (as the
 * re-ID reference crops `img[y1:y2, x1:x2]` after truncating the coordinates).
 */
export function cropRegion(box: BoxXYXY, width: number, height: number): PixelRegion {
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : Math.trunc(v));
  const x1 = clamp(box[0], width - 1), y1 = clamp(box[1], height - 1);
  const x2 = Math.max(x1 + 1, clamp(box[2], width)), y2 = Math.max(y1 + 1, clamp(box[3], height));
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

export interface ChannelNormalisation {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** ImageNet statistics on 0–1 values (torchvision, and OSNet's training). */
export const IMAGENET_NORMALISATION: ChannelNormalisation = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * A person crop for re-ID: the box's pixels resized to width × height, RGB planes of
 * (byte / 255 − mean) / std, written at `out[offset …]` (3 · width · height floats).
 */
export function cropToPlanarRgb(
  image: Uint8Array, imageWidth: number, imageHeight: number, box: BoxXYXY,
  width: number, height: number, out: Float32Array, offset: number, norm: ChannelNormalisation = IMAGENET_NORMALISATION,
): void {
  const { mean, std } = norm;
  const scale: [number, number, number] = [1 / (255 * std[0]), 1 / (255 * std[1]), 1 / (255 * std[2])];
  const bias: [number, number, number] = [-mean[0] / std[0], -mean[1] / std[1], -mean[2] / std[2]];
  resizeRegionToPlanar(image, imageWidth, cropRegion(box, imageWidth, imageHeight), {
    out, offset, width, height, rowStride: width, planeSize: width * height, planeOf: [0, 1, 2], scale, bias,
  });
}
