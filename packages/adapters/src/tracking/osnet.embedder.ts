import * as Effect from "effect/Effect";
import type { AppearanceEmbedder, Embeddings, InferenceFailed, ModelRejected, PersonCrop } from "@parallax/application/tracking";
import { cropToPlanarRgb } from "@parallax/domain/tracking";
import { OnnxModel, type LoadedModel, type ModelFit, type TensorInfo } from "./onnx-model.js";

export interface OsnetEmbedderOptions {
  readonly model: string;
  readonly threads?: number;
  /** Crops per session run at most: bounds the input tensor (3 × 256 × 128 floats per crop). */
  readonly maxBatch?: number;
}

interface ReidLayout {
  readonly height: number;
  readonly width: number;
  readonly dim: number;
  /** A fixed batch size the model was exported with, or undefined for a dynamic one. */
  readonly fixedBatch: number | undefined;
}

const EXPECTED = "input float32 [batch, 3, 256, 128] (RGB, ImageNet-normalised person crops, 128 wide × 256 high) and output float32 [batch, D]";

export const OSNET_FIT: ModelFit<ReidLayout> = {
  role: "the OSNet re-identification embedder",
  expected: EXPECTED,
  fit: (input: TensorInfo, output: TensorInfo) => {
    const [batch, channels, height, width] = input.shape;
    if (input.type !== "float32" || input.shape.length !== 4 || channels !== 3) return { problem: "the input is not a float32 NCHW image" };
    if (height !== 256 || width !== 128) return { problem: `the input is ${String(height)} × ${String(width)}, not 256 high × 128 wide` };
    const [, dim] = output.shape;
    if (output.type !== "float32" || output.shape.length !== 2 || typeof dim !== "number") return { problem: "the output is not [batch, D]" };
    return { layout: { height, width, dim, fixedBatch: typeof batch === "number" ? batch : undefined } };
  },
};

/**
 * Re-ID embeddings from an OSNet export (BoxMOT's preprocessing): each box cropped from its frame,
 * resized to 128 × 256, normalised, and the whole batch run at once; rows are L2-normalised here
 * because the model's output is not.
 */
export class OsnetEmbedder implements AppearanceEmbedder {
  private readonly model: OnnxModel<ReidLayout>;

  constructor(private readonly options: OsnetEmbedderOptions) {
    this.model = new OnnxModel(options.model, OSNET_FIT, options.threads ?? 1);
  }

  readonly ready: Effect.Effect<void, ModelRejected> = Effect.suspend(() => Effect.asVoid(this.model.load));

  embed(crops: readonly PersonCrop[]): Effect.Effect<Embeddings, InferenceFailed | ModelRejected> {
    return this.model.load.pipe(Effect.flatMap((loaded) => this.embedLoaded(loaded, crops)));
  }

  /** Batches of at most `maxBatch` crops, pipelined so cropping the next batch overlaps inference. */
  private embedLoaded(loaded: LoadedModel<ReidLayout>, crops: readonly PersonCrop[]): Effect.Effect<Embeddings, InferenceFailed> {
    const { height, width, dim, fixedBatch } = loaded.layout;
    const batch = fixedBatch ?? Math.max(1, this.options.maxBatch ?? 64);
    const values = new Float32Array(crops.length * dim);
    const cropSize = 3 * height * width;
    const parts = Array.from({ length: Math.ceil(crops.length / batch) }, (_, k) => crops.slice(k * batch, (k + 1) * batch));
    return this.model.pipelined(
      loaded,
      parts.length,
      (k) => {
        // A fixed-batch export gets a full batch; the padding rows are computed and dropped.
        const rows = fixedBatch ?? parts[k]!.length;
        const input = new Float32Array(rows * cropSize);
        parts[k]!.forEach(({ frame, box }, i) => cropToPlanarRgb(frame.data, frame.width, frame.height, box, width, height, input, i * cropSize));
        return { input, dims: [rows, 3, height, width] };
      },
      (k, output) => normaliseRowsInto(output.data, parts[k]!.length, dim, values, k * batch * dim),
    ).pipe(Effect.as({ count: crops.length, dim, values }));
  }
}

function normaliseRowsInto(source: Float32Array, rows: number, dim: number, out: Float32Array, offset: number): void {
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += source[r * dim + k]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k++) out[offset + r * dim + k] = source[r * dim + k]! * scale;
  }
}
