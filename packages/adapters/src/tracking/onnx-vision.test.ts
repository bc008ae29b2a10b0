import { Effect, Exit, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { ModelRejected, type Frame } from "@parallax/application/tracking";
import { letterboxBgrPlanar } from "@parallax/domain/tracking";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { OsnetEmbedder } from "./osnet.embedder.js";
import { OnnxModel } from "./onnx-model.js";
import { YOLOX_FIT, YoloxDetector } from "./yolox.detector.js";
import { CLIP, OSNET, YOLOX, missing, shared, tempDir } from "./vision.testkit.js";

/**
 * The ONNX adapters on the shared clip (768 × 432, 10 fps), in which six people walk up to a table
 * one after another. Frames are sampled at 1 fps and only the first 35 s are decoded, to keep
 * the test light. From seconds 6–19 one person is in view, from 23–44 another.
 */
const SECONDS = { empty: [0, 3], first: [9, 10, 12, 15], second: [26, 30, 33] };

async function sampledFrames(): Promise<Map<number, Frame>> {
  const wanted = new Set([...SECONDS.empty, ...SECONDS.first, ...SECONDS.second]);
  const frames = await Effect.runPromise(
    new FfmpegFrameSource().frames(shared(CLIP), { fps: 1 }).pipe(
      Stream.take(Math.max(...wanted) + 1),
      Stream.filter((f) => wanted.has(f.index)),
      Stream.runCollect,
    ),
  );
  return new Map(frames.map((f) => [f.index, f]));
}

async function rejection(effect: Effect.Effect<unknown, unknown>): Promise<string> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("the model was accepted");
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
  expect(error).toBeInstanceOf(ModelRejected);
  return (error as ModelRejected).message;
}

/** The raw output decoded the plain way, for comparison: every row, person scores, greedy NMS. */
function referenceDecode(raw: Float32Array, ratio: number, width: number, height: number): Array<{ box: number[]; score: number }> {
  const candidates: Array<{ box: number[]; score: number }> = [];
  let row = 0;
  for (const stride of [8, 16, 32]) {
    for (let gy = 0; gy < 416 / stride; gy++) {
      for (let gx = 0; gx < 416 / stride; gx++, row++) {
        const r = raw.subarray(row * 85, row * 85 + 85);
        const score = r[4]! * r[5]!;
        if (score <= 0.3) continue;
        const [cx, cy, w, h] = [(r[0]! + gx) * stride, (r[1]! + gy) * stride, Math.exp(r[2]!) * stride, Math.exp(r[3]!) * stride];
        candidates.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].map((v) => v / ratio), score });
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const iou = (a: number[], b: number[]) => {
    const iw = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)), ih = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
    const inter = iw * ih;
    return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
  };
  const kept: Array<{ box: number[]; score: number }> = [];
  for (const c of candidates) if (kept.every((k) => iou(k.box, c.box) <= 0.45)) kept.push(c);
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return kept.map((k) => ({ score: k.score, box: [clip(k.box[0]!, width), clip(k.box[1]!, height), clip(k.box[2]!, width), clip(k.box[3]!, height)] }));
}

const noModels = missing({ ffmpeg: true, shared: [CLIP, YOLOX, OSNET] });
describe.skipIf(noModels)("ONNX vision adapters on the shared clip", () => {
  const framesPromise = noModels ? Promise.resolve(new Map<number, Frame>()) : sampledFrames();

  it("YOLOX finds the one person on frames where someone is visible, and no one in the empty room", async () => {
    const frames = await framesPromise;
    const detector = new YoloxDetector({ model: shared(YOLOX), threads: 1 });
    const seconds = [...SECONDS.empty, ...SECONDS.first, ...SECONDS.second];
    const detections = await Effect.runPromise(
      Effect.flatMap(detector.open, (run) => run.detect(seconds.map((s) => ({ camera: "clip", frame: frames.get(s)! })))),
    );
    seconds.forEach((s, k) => {
      const d = detections[k]!;
      if (SECONDS.empty.includes(s)) return expect(d.count, `second ${s}`).toBe(0);
      expect(d.count, `second ${s}`).toBe(1);
      expect(d.scores[0], `second ${s}`).toBeGreaterThanOrEqual(0.5);
      // A standing adult: much taller than wide, most of the frame's height.
      const [x1, y1, x2, y2] = d.boxes;
      expect((y2! - y1!) / (x2! - x1!)).toBeGreaterThan(1.8);
      expect(y2! - y1!).toBeGreaterThan(300);
    });
  });

  it("YOLOX agrees with a plain decode of the raw session output on a recorded frame", async () => {
    const frame = (await framesPromise).get(10)!;
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(shared(YOLOX), { intraOpNumThreads: 1 });
    const input = new Float32Array(3 * 416 * 416);
    const { ratio } = letterboxBgrPlanar(frame.data, frame.width, frame.height, 416, input);
    expect(ratio).toBeCloseTo(416 / 768, 12);
    const raw = (await session.run({ images: new ort.Tensor("float32", input, [1, 3, 416, 416]) })).output!;
    expect(raw.dims).toEqual([1, 3549, 85]);
    const reference = referenceDecode(raw.data as Float32Array, ratio, frame.width, frame.height);
    await session.release();
    const [ours] = await Effect.runPromise(
      Effect.flatMap(new YoloxDetector({ model: shared(YOLOX), threads: 1 }).open, (run) => run.detect([{ camera: "clip", frame }])),
    );
    expect(reference.length).toBeGreaterThan(0);
    expect(ours!.count).toBe(reference.length);
    reference.forEach((r, k) => {
      expect(Math.abs(ours!.scores[k]! - r.score)).toBeLessThan(1e-4);
      r.box.forEach((v, c) => expect(Math.abs(ours!.boxes[4 * k + c]! - v)).toBeLessThan(1e-4));
    });
  });

  it("OSNet embeddings are close for the same person in nearby frames and far for two people", async () => {
    const frames = await framesPromise;
    // Boxes YOLOX found on these frames (recorded), so this test does not depend on the detector.
    const boxes: Record<number, readonly [number, number, number, number]> = {
      9: [381, 17, 515, 405], 10: [380, 16, 516, 405], 12: [383, 14, 521, 402], 15: [383, 16, 517, 402],
      26: [379, 7, 539, 373], 30: [382, 3, 544, 372], 33: [381, 4, 543, 369],
    };
    const order = [...SECONDS.first, ...SECONDS.second];
    const embedder = new OsnetEmbedder({ model: shared(OSNET), threads: 1 });
    const e = await Effect.runPromise(embedder.embed(order.map((s) => ({ frame: frames.get(s)!, box: boxes[s]! }))));
    expect([e.count, e.dim]).toEqual([order.length, 512]);
    const row = (i: number) => e.values.subarray(i * e.dim, (i + 1) * e.dim);
    const cosine = (i: number, j: number) => row(i).reduce((sum, v, k) => sum + v * row(j)[k]!, 0);
    for (let i = 0; i < order.length; i++) expect(cosine(i, i)).toBeCloseTo(1, 4);
    const person = (i: number) => (SECONDS.first.includes(order[i]!) ? 0 : 1);
    const same: number[] = [], different: number[] = [];
    for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) (person(i) === person(j) ? same : different).push(cosine(i, j));
    process.stdout.write(`osnet cosine: same ${Math.min(...same).toFixed(3)}–${Math.max(...same).toFixed(3)}, different ${Math.min(...different).toFixed(3)}–${Math.max(...different).toFixed(3)}\n`);
    expect(Math.min(...same)).toBeGreaterThan(0.7);
    expect(Math.max(...different)).toBeLessThan(0.65);
    // Several smaller batches (pipelined runs of 3, 3 and 1 crops) give the same rows: a crop's
    // embedding does not depend on its batch or position.
    const crops = order.map((s) => ({ frame: frames.get(s)!, box: boxes[s]! }));
    const split = await Effect.runPromise(new OsnetEmbedder({ model: shared(OSNET), threads: 1, maxBatch: 3 }).embed(crops));
    split.values.forEach((v, k) => expect(Math.abs(v - e.values[k]!)).toBeLessThan(1e-4));
  });

  it("a model whose worker thread died fails its runs at once and is loaded anew on the next load", async () => {
    const model = new OnnxModel(shared(YOLOX), YOLOX_FIT, 1);
    const first = await Effect.runPromise(model.load);
    await first.session.terminate();
    expect(first.session.alive).toBe(false);
    const run = await Effect.runPromiseExit(Effect.flatten(model.start(first, new Float32Array(3 * 416 * 416), [1, 3, 416, 416])));
    expect(Exit.isFailure(run) && String(run.cause)).toContain("InferenceFailed");
    const second = await Effect.runPromise(model.load);
    expect(second.session).not.toBe(first.session);
    expect(second.session.alive).toBe(true);
    await second.session.terminate();
  });

  it("refuses a model of the wrong shape, naming the shape it expects, and a missing file", async () => {
    const asDetector = await rejection(new YoloxDetector({ model: shared(OSNET) }).ready);
    process.stdout.write(`${asDetector}\n`);
    expect(asDetector).toContain("does not fit the YOLOX person detector");
    expect(asDetector).toContain("[1, 3, 416, 416]");
    expect(asDetector).toContain("images float32 [batch, 3, 256, 128]");
    const asEmbedder = await rejection(new OsnetEmbedder({ model: shared(YOLOX) }).ready);
    expect(asEmbedder).toContain("does not fit the OSNet re-identification embedder");
    expect(asEmbedder).toContain("[batch, 3, 256, 128]");
    const absent = await rejection(new YoloxDetector({ model: `${tempDir("models")}/none.onnx` }).open);
    expect(absent).toContain("model file not found");
  });
});
