import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import type { CameraFrame, DetectionRun, InferenceFailed, ModelRejected, PersonDetector } from "@parallax/application/tracking";
import {
  YOLOX_PERSON_DEFAULTS, YOLOX_STRIDES, decodeYolox, letterboxBgrPlanar, yoloxAnchorCount,
  type FrameDetections, type YoloxLayout,
} from "@parallax/domain/tracking";
import { OnnxModel, type LoadedModel, type ModelFit, type TensorInfo } from "./onnx-model.js";

export interface YoloxDetectorOptions {
  readonly model: string;
  /** onnxruntime intra-op threads (default 1, see DETECT_THREADS); 0 lets onnxruntime choose. */
  readonly threads?: number;
  readonly scoreThreshold?: number;
  readonly nmsThreshold?: number;
}

const EXPECTED = "input float32 [1, 3, S, S] with S a multiple of 32 (YOLOX-Nano: [1, 3, 416, 416]) and output float32 [1, anchors, 5 + classes] (416: [1, 3549, 85])";

/** A YOLOX export (Megvii's, undecoded head) fits when its input is a square image batch of one. */
export const YOLOX_FIT: ModelFit<YoloxLayout> = {
  role: "the YOLOX person detector",
  expected: EXPECTED,
  fit: (input: TensorInfo, output: TensorInfo) => {
    const [batch, channels, height, width] = input.shape;
    if (input.type !== "float32" || input.shape.length !== 4) return { problem: "the input is not a float32 NCHW image" };
    if (channels !== 3 || typeof height !== "number" || height !== width || height % 32 !== 0) return { problem: "the input is not a fixed square 3-channel image" };
    if (batch !== 1 && typeof batch !== "string") return { problem: `the input batch is ${batch}, not 1` };
    const anchors = yoloxAnchorCount(height, YOLOX_STRIDES);
    const [, rows, columns] = output.shape;
    if (output.type !== "float32" || output.shape.length !== 3 || rows !== anchors || typeof columns !== "number" || columns < 6) {
      return { problem: `the output is not [1, ${anchors}, 5 + classes]` };
    }
    return { layout: { inputSize: height, strides: YOLOX_STRIDES, numClasses: columns - 5 } };
  },
};

/**
 * Persons found by YOLOX on CPU. The exported model has a fixed batch of one, so a batch of frames
 * runs frame after frame inside one call, on the model's worker thread, while this thread
 * letterboxes the next frame and decodes the previous one.
 */
export class YoloxDetector implements PersonDetector {
  private readonly model: OnnxModel<YoloxLayout>;

  constructor(private readonly options: YoloxDetectorOptions) {
    this.model = new OnnxModel(options.model, YOLOX_FIT, options.threads ?? 1);
  }

  readonly ready: Effect.Effect<void, ModelRejected> = Effect.suspend(() => Effect.asVoid(this.model.load));

  /**
   * A run owns its input buffers (2 MB each at 416), which travel to the model's thread and back:
   * allocating them per call cost more than the letterbox itself, through page faults and garbage
   * collection. Calls on one run take turns, as they share the buffers (and one session runs one
   * frame at a time anyway).
   */
  readonly open: Effect.Effect<DetectionRun, ModelRejected> = Effect.gen({ self: this }, function* () {
    const loaded = yield* this.model.load;
    const turns = yield* Semaphore.make(1);
    const buffers: Float32Array[] = [];
    return { detect: (frames: readonly CameraFrame[]) => turns.withPermits(1)(this.detectAll(loaded, buffers, frames)) };
  });

  /** Frames run one by one (batch of one), pipelined so letterbox and decode overlap inference. */
  private detectAll(
    loaded: LoadedModel<YoloxLayout>, buffers: Float32Array[], frames: readonly CameraFrame[],
  ): Effect.Effect<readonly FrameDetections[], InferenceFailed> {
    const size = loaded.layout.inputSize;
    const dims = [1, 3, size, size];
    const ratios: number[] = [];
    const { scoreThreshold = YOLOX_PERSON_DEFAULTS.scoreThreshold, nmsThreshold = YOLOX_PERSON_DEFAULTS.nmsThreshold } = this.options;
    return this.model.pipelined(
      loaded,
      frames.length,
      (k) => {
        const { frame } = frames[k]!;
        // A buffer still with the worker (a failed or interrupted call) is replaced, not awaited.
        const input = buffers.pop() ?? new Float32Array(3 * size * size);
        ratios[k] = letterboxBgrPlanar(frame.data, frame.width, frame.height, size, input).ratio;
        return { input, dims };
      },
      (k, output) => {
        buffers.push(output.input);
        const { frame } = frames[k]!;
        return decodeYolox(output.data, loaded.layout, {
          ratio: ratios[k]!, imageWidth: frame.width, imageHeight: frame.height,
          classIndex: YOLOX_PERSON_DEFAULTS.classIndex, scoreThreshold, nmsThreshold,
        });
      },
    );
  }
}
