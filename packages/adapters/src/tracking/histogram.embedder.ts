import * as Effect from "effect/Effect";
import type { AppearanceEmbedder, Embeddings, ModelRejected, PersonCrop } from "@parallax/application/tracking";
import { COLOUR_HISTOGRAM_DIM, colourHistogram } from "@parallax/domain/tracking";

/** The weight-free default embedder: upper/lower-body HSV histograms (see the domain's colour-histogram.ts). */
export class HistogramEmbedder implements AppearanceEmbedder {
  readonly ready: Effect.Effect<void, ModelRejected> = Effect.void;

  embed(crops: readonly PersonCrop[]): Effect.Effect<Embeddings> {
    return Effect.sync(() => {
      const values = new Float32Array(crops.length * COLOUR_HISTOGRAM_DIM);
      crops.forEach(({ frame, box }, i) => colourHistogram(frame.data, frame.width, frame.height, box, values, i * COLOUR_HISTOGRAM_DIM));
      return { count: crops.length, dim: COLOUR_HISTOGRAM_DIM, values };
    });
  }
}
