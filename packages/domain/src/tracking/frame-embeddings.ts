import type { FrameDetections } from "./track.js";
import { dot, scaleInto, scaleIntoAndDot, sumOfSquares } from "./vector-kernels.js";

/**
 * The L2-normalised embeddings of one frame's detections, computed at most once per detection and
 * only when first asked for (association costs and track updates share them).
 */
export class FrameEmbeddings {
  values = new Float32Array(0);
  dim = 0;
  /** The frame has embeddings (dimension > 0). */
  available = false;
  /** The frame has count × dim values, so each detection's slice is complete. */
  complete = false;
  private source: Float32Array = new Float32Array(0);
  private ready = new Uint8Array(0);
  /** Cached views of `values`, one per detection (a view per call would allocate per pair). */
  private views: Array<Float32Array | undefined> = [];
  private viewDim = 0;

  startFrame(detections: FrameDetections): void {
    const dim = detections.embeddingDim ?? 0;
    this.dim = dim;
    this.available = detections.embeddings !== undefined && dim > 0;
    if (!this.available) return;
    this.source = detections.embeddings!;
    this.complete = this.source.length >= detections.count * dim;
    if (this.values.length < detections.count * dim || dim !== this.viewDim) {
      if (this.values.length < detections.count * dim) this.values = new Float32Array(2 * detections.count * dim);
      this.views = [];
      this.viewDim = dim;
    }
    if (this.ready.length < detections.count) this.ready = new Uint8Array(2 * detections.count);
    this.ready.fill(0, 0, detections.count);
  }

  /** Detection i's normalised embedding, a view of `values` (requires `available`). */
  vector(i: number): Float32Array {
    const dim = this.dim;
    let view = this.views[i];
    if (view === undefined) view = this.views[i] = this.values.subarray(i * dim, (i + 1) * dim);
    if (this.ready[i] === 1) return view;
    this.ready[i] = 1;
    const start = i * dim;
    if (this.source.length >= start + dim) {
      const source = this.source.subarray(start, start + dim);
      const norm = sumOfSquares(source);
      scaleInto(source, norm > 0 ? 1 / Math.sqrt(norm) : 0, view);
    } else {
      // A truncated embeddings array: the element-wise loop, reading past its end (NaN).
      const source = this.source;
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += source[start + k]! * source[start + k]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < dim; k++) view[k] = source[start + k]! * scale;
    }
    return view;
  }

  /**
   * dot(vector(i), other): on first use detection i is normalised and dotted in one pass over its
   * values, with exactly the same roundings as normalising first and then calling dot.
   */
  similarity(i: number, other: Float32Array): number {
    const dim = this.dim;
    const start = i * dim;
    if (this.ready[i] === 1 || this.source.length < start + dim) return dot(this.vector(i), other);
    let view = this.views[i];
    if (view === undefined) view = this.views[i] = this.values.subarray(start, start + dim);
    this.ready[i] = 1;
    const source = this.source.subarray(start, start + dim);
    const norm = sumOfSquares(source);
    return scaleIntoAndDot(source, norm > 0 ? 1 / Math.sqrt(norm) : 0, view, other);
  }
}
