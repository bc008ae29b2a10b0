import { nms } from "./geometry.js";
import type { FrameDetections } from "./track.js";

/**
 * Decoding of YOLOX's raw head output (anchor-free: one prediction per grid cell of each stride).
 * Row k is `[tx, ty, tw, th, obj, cls_0 … cls_C-1]`; rows run stride by stride (8, 16, 32), each
 * grid row-major. Objectness and class scores come out of the model already sigmoided.
 */
export interface YoloxLayout {
  /** Square input side in pixels (416 for YOLOX-Nano/Tiny, 640 for S and up). */
  readonly inputSize: number;
  readonly strides: readonly number[];
  readonly numClasses: number;
}

export const YOLOX_STRIDES: readonly number[] = [8, 16, 32];

/** Grid cells over all strides: 3549 for a 416 input. */
export function yoloxAnchorCount(inputSize: number, strides: readonly number[] = YOLOX_STRIDES): number {
  return strides.reduce((sum, s) => sum + (inputSize / s) ** 2, 0);
}

export interface YoloxDecodeOptions {
  /** Letterbox ratio: input pixels per image pixel. */
  readonly ratio: number;
  /** Original image size, to clip boxes to it. */
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** COCO person is class 0. */
  readonly classIndex: number;
  /** Kept when obj × cls exceeds this (the reference sample uses 0.3). */
  readonly scoreThreshold: number;
  /** NMS IoU limit (the reference sample uses 0.45). */
  readonly nmsThreshold: number;
}

export const YOLOX_PERSON_DEFAULTS = { classIndex: 0, scoreThreshold: 0.3, nmsThreshold: 0.45 } as const;

/**
 * Boxes of one class in image pixels, best score first. Only that class is scored and suppressed:
 * with NMS over every class, an overlapping chair or bag that outscored a person would remove
 * the person, and persons are all the tracker wants.
 */
export function decodeYolox(output: Float32Array, layout: YoloxLayout, options: YoloxDecodeOptions): FrameDetections {
  const rowLength = 5 + layout.numClasses;
  const classColumn = 5 + options.classIndex;
  const boxes: number[] = [];
  const scores: number[] = [];
  let row = 0;
  for (const stride of layout.strides) {
    const cells = layout.inputSize / stride;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++, row += rowLength) {
        const score = output[row + 4]! * output[row + classColumn]!;
        if (!(score > options.scoreThreshold)) continue;
        const cx = (output[row]! + gx) * stride;
        const cy = (output[row + 1]! + gy) * stride;
        const w = Math.exp(output[row + 2]!) * stride;
        const h = Math.exp(output[row + 3]!) * stride;
        boxes.push((cx - w / 2) / options.ratio, (cy - h / 2) / options.ratio, (cx + w / 2) / options.ratio, (cy + h / 2) / options.ratio);
        scores.push(score);
      }
    }
  }
  const candidates = Float64Array.from(boxes);
  const kept = nms(candidates, scores, scores.length, options.nmsThreshold);
  const count = kept.length;
  const outBoxes = new Float64Array(4 * count);
  const outScores = new Float64Array(count);
  const clip = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  for (let k = 0; k < count; k++) {
    const i = kept[k]!;
    outBoxes[4 * k] = clip(candidates[4 * i]!, options.imageWidth);
    outBoxes[4 * k + 1] = clip(candidates[4 * i + 1]!, options.imageHeight);
    outBoxes[4 * k + 2] = clip(candidates[4 * i + 2]!, options.imageWidth);
    outBoxes[4 * k + 3] = clip(candidates[4 * i + 3]!, options.imageHeight);
    outScores[k] = scores[i]!;
  }
  return { count, boxes: outBoxes, scores: outScores };
}
