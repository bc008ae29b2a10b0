import { PackedMask, RunScratch, componentsPacked, openThenClosePacked } from "./packed-mask.js";
import type { FrameDetections } from "./track.js";

/**
 * A weight-free person detector for static cameras: an adaptive running-average background model,
 * a foreground mask where a frame differs from it, morphology to clean the mask, and connected
 * components filtered to person-like shapes. It sees anything that moves, so it suits fixed
 * cameras watching people, not moving cameras or crowds that merge into one blob.
 */
export interface MotionDetectorOptions {
  /** Frames are box-averaged down by an integer factor to at most this width before analysis. */
  readonly analysisWidth: number;
  /** Background blending rate where a pixel looks like background. */
  readonly learningRate: number;
  /**
   * Blending rate under foreground. Low, so someone standing still stays visible for a while; not
   * zero, so the ghost left where a person stood in the first frame fades (about 100 frames at
   * 0.01 for a strong contrast) instead of staying a detection forever.
   */
  readonly foregroundLearningRate: number;
  /** Foreground where the mean absolute RGB difference to the background exceeds this (0–255). */
  readonly threshold: number;
  /** Opening removes specks up to about this radius (analysis pixels); closing fills gaps. */
  readonly openRadius: number;
  readonly closeRadius: number;
  /** Frames that only train the background before any detection. */
  readonly warmupFrames: number;
  /** Person-sized: box height at least this fraction of the frame height. */
  readonly minHeightFraction: number;
  /** Box height / width within [minAspect, maxAspect]: standing people are taller than wide. */
  readonly minAspect: number;
  readonly maxAspect: number;
  /** Foreground pixels / box pixels at least this. */
  readonly minFill: number;
}

export const MOTION_DETECTOR_DEFAULTS: MotionDetectorOptions = {
  analysisWidth: 320,
  learningRate: 0.05,
  foregroundLearningRate: 0.01,
  threshold: 24,
  openRadius: 1,
  closeRadius: 2,
  warmupFrames: 1,
  minHeightFraction: 0.08,
  minAspect: 0.8,
  maxAspect: 6,
  minFill: 0.2,
};

/** Detections of one camera's frames, in order; the background model is this object's state. */
export class MotionDetector {
  readonly options: MotionDetectorOptions;
  private background = new Float32Array(0);
  private current = new Float32Array(0);
  private mask = new PackedMask(0, 0);
  private scratch = new Uint32Array(0);
  private readonly runs = new RunScratch();
  private factor = 1;
  private analysisWidth = 0;
  private analysisHeight = 0;
  private sourceWidth = 0;
  private sourceHeight = 0;
  private seen = 0;

  constructor(options: Partial<MotionDetectorOptions> = {}) {
    this.options = { ...MOTION_DETECTOR_DEFAULTS, ...options };
  }

  /** Foreground mask of the last frame (analysis resolution, a byte per pixel), for inspection and tests. */
  get lastMask(): { readonly mask: Uint8Array; readonly width: number; readonly height: number } {
    return { mask: this.mask.toBytes(), width: this.analysisWidth, height: this.analysisHeight };
  }

  detect(rgb: Uint8Array, width: number, height: number): FrameDetections {
    if (width !== this.sourceWidth || height !== this.sourceHeight) this.reset(width, height);
    // At factor 1 the frame's bytes are the analysis pixels: no copy into floats.
    if (this.factor > 1) this.downscale(rgb);
    if (this.seen++ === 0) {
      if (this.factor > 1) this.background.set(this.current);
      else for (let i = 0; i < rgb.length; i++) this.background[i] = rgb[i]!;
      return { count: 0, boxes: new Float64Array(0), scores: new Float64Array(0) };
    }
    this.foreground(this.factor > 1 ? this.current : rgb);
    const { openRadius, closeRadius, warmupFrames } = this.options;
    openThenClosePacked(this.mask, this.scratch, openRadius, closeRadius);
    if (this.seen <= warmupFrames) return { count: 0, boxes: new Float64Array(0), scores: new Float64Array(0) };
    return this.boxes();
  }

  private reset(width: number, height: number): void {
    this.sourceWidth = width;
    this.sourceHeight = height;
    this.factor = Math.max(1, Math.ceil(width / this.options.analysisWidth));
    this.analysisWidth = Math.max(1, Math.floor(width / this.factor));
    this.analysisHeight = Math.max(1, Math.floor(height / this.factor));
    const pixels = this.analysisWidth * this.analysisHeight;
    this.background = new Float32Array(3 * pixels);
    this.current = new Float32Array(this.factor > 1 ? 3 * pixels : 0);
    this.mask = new PackedMask(this.analysisWidth, this.analysisHeight);
    this.scratch = new Uint32Array(this.mask.bits.length);
    this.seen = 0;
  }

  /** Box average over factor × factor blocks: cheaper than the full frame and less noisy. */
  private downscale(rgb: Uint8Array): void {
    const f = this.factor, aw = this.analysisWidth, ah = this.analysisHeight, rowBytes = 3 * this.sourceWidth;
    const out = this.current;
    out.fill(0);
    for (let ay = 0; ay < ah; ay++) {
      const outRow = 3 * ay * aw;
      for (let k = 0; k < f; k++) {
        const src = (ay * f + k) * rowBytes;
        for (let ax = 0; ax < aw; ax++) {
          let r = 0, g = 0, b = 0;
          for (let j = 0, p = src + 3 * ax * f; j < f; j++, p += 3) {
            r += rgb[p]!;
            g += rgb[p + 1]!;
            b += rgb[p + 2]!;
          }
          const o = outRow + 3 * ax;
          out[o] = out[o]! + r;
          out[o + 1] = out[o + 1]! + g;
          out[o + 2] = out[o + 2]! + b;
        }
      }
    }
    const inverse = 1 / (f * f);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * inverse;
  }

  /**
   * Marks foreground (32 pixels to a word of the packed mask) and blends the frame into the
   * background at the rate its mask implies. `frame` is the analysis image: the frame's own bytes
   * at factor 1, else its box average; either way the arithmetic is the same (in doubles, stored
   * as float32), so the two give identical backgrounds and masks for the same pixels.
   */
  private foreground(frame: Uint8Array | Float32Array): void {
    const { learningRate, foregroundLearningRate } = this.options;
    const limit = 3 * this.options.threshold;
    const bg = this.background, bits = this.mask.bits, wordsPerRow = this.mask.wordsPerRow;
    const width = this.analysisWidth;
    for (let y = 0, p = 0; y < this.analysisHeight; y++) {
      const row = y * wordsPerRow;
      for (let w = 0; w < wordsPerRow; w++) {
        const end = Math.min(32, width - 32 * w);
        let word = 0;
        for (let bit = 0; bit < end; bit++, p += 3) {
          const dr = frame[p]! - bg[p]!, dg = frame[p + 1]! - bg[p + 1]!, db = frame[p + 2]! - bg[p + 2]!;
          const moving = Math.abs(dr) + Math.abs(dg) + Math.abs(db) > limit;
          const rate = moving ? foregroundLearningRate : learningRate;
          if (moving) word |= 1 << bit;
          bg[p] = bg[p]! + rate * dr;
          bg[p + 1] = bg[p + 1]! + rate * dg;
          bg[p + 2] = bg[p + 2]! + rate * db;
        }
        bits[row + w] = word;
      }
    }
  }

  private boxes(): FrameDetections {
    const { minHeightFraction, minAspect, maxAspect, minFill } = this.options;
    const f = this.factor;
    const boxes: number[] = [];
    const scores: number[] = [];
    for (const c of componentsPacked(this.mask, this.runs)) {
      const w = c.maxX - c.minX + 1, h = c.maxY - c.minY + 1;
      const fill = c.pixels / (w * h);
      const aspect = h / w;
      if (h * f < minHeightFraction * this.sourceHeight || aspect < minAspect || aspect > maxAspect || fill < minFill) continue;
      boxes.push(c.minX * f, c.minY * f, Math.min(this.sourceWidth, (c.maxX + 1) * f), Math.min(this.sourceHeight, (c.maxY + 1) * f));
      // A solid silhouette fills about half its box or more; the square root puts that at ≥ 0.7,
      // where trackers start new tracks, and leaves ragged blobs to their low-score stage.
      scores.push(Math.sqrt(fill));
    }
    const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    return {
      count: order.length,
      boxes: Float64Array.from(order.flatMap((i) => boxes.slice(4 * i, 4 * i + 4))),
      scores: Float64Array.from(order, (i) => scores[i]!),
    };
  }
}
