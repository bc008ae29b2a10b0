import { access } from "node:fs/promises";
import * as Effect from "effect/Effect";
import { InferenceFailed, ModelRejected } from "@parallax/application/tracking";
import { OnnxWorkerSession, type WorkerMetadata } from "./onnx-worker.js";

/**
 * One ONNX model file, loaded on first use into a session on its own thread (onnx-worker.ts), so
 * a host configured with the weight-free adapters never loads the native runtime, and one that
 * runs models keeps its event loop free during inference. At load, the model's declared input and
 * output are checked against what the adapter feeds and reads, so a wrong file fails at once with
 * the expected shape named, not later with an opaque runtime error.
 */
export interface TensorInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: ReadonlyArray<number | string>;
}

export interface ModelFit<L> {
  /** The adapter, for messages: "the YOLOX person detector". */
  readonly role: string;
  /** The signature the adapter needs, in words, e.g. "input float32 [1, 3, 416, 416]". */
  readonly expected: string;
  /** The layout the adapter works with, or why the model does not fit. */
  readonly fit: (input: TensorInfo, output: TensorInfo) => { readonly layout: L } | { readonly problem: string };
}

export interface LoadedModel<L> {
  readonly session: OnnxWorkerSession;
  readonly input: TensorInfo;
  readonly output: TensorInfo;
  readonly layout: L;
}

export interface TensorOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** The input array, handed back by the worker for reuse. */
  readonly input: Float32Array;
}

const describeTensor = (t: TensorInfo) => `${t.name} ${t.type} [${t.shape.join(", ")}]`;

export class OnnxModel<L> {
  private loading: Promise<LoadedModel<L>> | undefined;
  private loaded: LoadedModel<L> | undefined;

  constructor(readonly path: string, private readonly spec: ModelFit<L>, private readonly threads: number) {}

  /**
   * Loads once; a failed load is forgotten, so a model file put in place later is picked up, and so
   * is a model whose worker thread died (runs already holding it fail; the next load starts anew).
   */
  readonly load: Effect.Effect<LoadedModel<L>, ModelRejected> = Effect.tryPromise({
    try: () => {
      if (this.loaded !== undefined && !this.loaded.session.alive) this.loading = this.loaded = undefined;
      return (this.loading ??= this.create().then(
        (model) => (this.loaded = model),
        (error: unknown) => {
          this.loading = undefined;
          throw error;
        },
      ));
    },
    catch: (error) => (error instanceof ModelRejected ? error : new ModelRejected({ model: this.path, message: `cannot load ${this.path} as ${this.spec.role}: ${String(error)}` })),
  });

  /**
   * Starts a run at once and answers the effect that awaits it. The model runs on its worker
   * thread, so JavaScript work done before awaiting (preparing the next input, decoding the
   * previous output) overlaps with it instead of adding to it. `input` moves to the worker (it is
   * unusable here until it comes back as the output's `input`).
   */
  start(model: LoadedModel<L>, input: Float32Array, dims: readonly number[]): Effect.Effect<Effect.Effect<TensorOutput, InferenceFailed>> {
    return Effect.sync(() => {
      const running = model.session.run(model.input.name, model.output.name, input, dims);
      // Awaited below; this only keeps a failure from being reported as unhandled meanwhile.
      running.catch(() => undefined);
      return Effect.tryPromise({
        try: () => running,
        catch: (error) => new InferenceFailed({ message: `${this.spec.role} failed on ${this.path}: ${String(error)}`, cause: error }),
      });
    });
  }

  /**
   * Runs `count` inputs in order, preparing input k + 1 while the model runs input k and finishing
   * output k while it runs k + 1, so the JavaScript work hides behind inference. Inputs move to
   * the worker and come back with the outputs, so two buffers taking turns serve a whole batch.
   */
  pipelined<R>(
    model: LoadedModel<L>, count: number,
    prepare: (k: number) => { readonly input: Float32Array; readonly dims: readonly number[] },
    finish: (k: number, output: TensorOutput) => R,
  ): Effect.Effect<R[], InferenceFailed> {
    const start = (input: { readonly input: Float32Array; readonly dims: readonly number[] }) => this.start(model, input.input, input.dims);
    return Effect.gen(function* () {
      const results: R[] = [];
      if (count === 0) return results;
      let pending = yield* start(prepare(0));
      let prepared = count > 1 ? prepare(1) : undefined;
      for (let k = 0; k < count; k++) {
        const output = yield* pending;
        if (prepared !== undefined) pending = yield* start(prepared);
        results.push(finish(k, output));
        prepared = k + 2 < count ? prepare(k + 2) : undefined;
      }
      return results;
    });
  }

  private async create(): Promise<LoadedModel<L>> {
    const rejected = (message: string) => new ModelRejected({ model: this.path, message });
    await access(this.path).catch(() => {
      throw rejected(`model file not found: ${this.path} (${this.spec.role} needs ${this.spec.expected})`);
    });
    const session = new OnnxWorkerSession();
    try {
      const metadata = await session.load(this.path, this.threads);
      const tensors = (list: WorkerMetadata): TensorInfo[] =>
        list.flatMap((m) => (m.isTensor ? [{ name: m.name, type: m.type ?? "unknown", shape: m.shape ?? [] }] : []));
      const inputs = tensors(metadata.inputs), outputs = tensors(metadata.outputs);
      const found = `it has inputs ${inputs.map(describeTensor).join(", ") || "none"} and outputs ${outputs.map(describeTensor).join(", ") || "none"}`;
      if (inputs.length !== 1 || outputs.length < 1) throw rejected(`${this.path} does not fit ${this.spec.role}: ${found}; expected ${this.spec.expected}`);
      const fitted = this.spec.fit(inputs[0]!, outputs[0]!);
      if ("problem" in fitted) throw rejected(`${this.path} does not fit ${this.spec.role} (${fitted.problem}): ${found}; expected ${this.spec.expected}`);
      return { session, input: inputs[0]!, output: outputs[0]!, layout: fitted.layout };
    } catch (error) {
      await session.terminate();
      throw error;
    }
  }
}
