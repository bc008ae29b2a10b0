import type { FrameDetections } from "./track.js";
import { scaleInto, sumOfSquaresAt } from "./vector-kernels.js";

/**
 * The L2-normalised embeddings of one frame's detections, computed at most once per detection and
 * only when first asked for (association costs and track updates share them). Detection i's
 * vector is values[offset(i) .. offset(i) + dim).
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

  startFrame(detections: FrameDetections): void {
    const dim = detections.embeddingDim ?? 0;
    this.dim = dim;
    this.available = detections.embeddings !== undefined && dim > 0;
    if (!this.available) return;
    this.source = detections.embeddings!;
    this.complete = this.source.length >= detections.count * dim;
    if (this.values.length < detections.count * dim) this.values = new Float32Array(2 * detections.count * dim);
    if (this.ready.length < detections.count) this.ready = new Uint8Array(2 * detections.count);
    this.ready.fill(0, 0, detections.count);
  }

  /** Offset of detection i's normalised embedding in `values` (requires `available`). */
  offset(i: number): number {
    const dim = this.dim;
    const start = i * dim;
    if (this.ready[i] === 1) return start;
    this.ready[i] = 1;
    const norm = sumOfSquaresAt(this.source, start, dim);
    scaleInto(this.source, start, norm > 0 ? 1 / Math.sqrt(norm) : 0, this.values, start, dim);
    return start;
  }

  /** Detection i's normalised embedding as a view (requires `available`). */
  vector(i: number): Float32Array {
    const start = this.offset(i);
    return this.values.subarray(start, start + this.dim);
  }
}
