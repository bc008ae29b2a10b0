import type * as Effect from "effect/Effect";
import type { BoxXYXY } from "@parallax/domain/tracking";
import type { Frame } from "./frame-source.port.js";
import type { InferenceFailed, ModelRejected } from "./vision-errors.js";

/** A person's box (xyxy, in the frame's pixels) in a frame; the box is clipped to the frame. */
export interface PersonCrop {
  readonly frame: Frame;
  readonly box: BoxXYXY;
}

/** `count × dim` values, crop i at `[i * dim, (i + 1) * dim)`, each row of unit L2 norm. */
export interface Embeddings {
  readonly count: number;
  readonly dim: number;
  readonly values: Float32Array;
}

/**
 * Appearance vectors for re-identification: the cosine of two rows (their dot product) is high
 * for the same person. Crops of any frames and cameras go in one call, so that a model runs once
 * per batch.
 */
export interface AppearanceEmbedder {
  /** Loads what the embedder needs (model weights) once; later calls answer at once. */
  readonly ready: Effect.Effect<void, ModelRejected>;
  embed(crops: readonly PersonCrop[]): Effect.Effect<Embeddings, InferenceFailed | ModelRejected>;
}
export const AppearanceEmbedder = Symbol.for("parallax.AppearanceEmbedder");
