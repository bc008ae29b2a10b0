/**
 * `npm run bench -- vision [decode|preprocess|yolox|osnet|weight-free …] [threads]`: the vision adapters' costs on the shared clip
 * (../shared/data/video, 768 × 432) and models (../shared/models): ffmpeg decode frames/s,
 * pre-processing ms (YOLOX letterbox, OSNet crop + resize), YOLOX ms/frame (session alone, and
 * with pre- and post-processing), OSNet ms/crop at batch 1, 8 and 32 (and its session alone), and the weight-free motion
 * detector and histogram embedder. `threads` (default 1) is onnxruntime's intra-op thread count.
 *
 * The machine is shared: figures are medians of repeated runs after a warm-up, and every line
 * carries the load average it was measured under.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Stream } from "effect";
import type { Frame, PersonCrop } from "@parallax/application/tracking";
import {
  FfmpegFrameSource, HistogramEmbedder, MotionPersonDetector, OnnxWorkerSession, OsnetEmbedder, YoloxDetector, ffmpegArguments, locateFfmpeg,
} from "@parallax/adapters/tracking";
import { cropToPlanarRgb, letterboxBgrPlanar } from "@parallax/domain/tracking";
import { emit, percentile, round } from "./support.js";

const shared = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared");
const CLIP = `${shared}/data/video/one-by-one-person-detection.mp4`;
const YOLOX = `${shared}/models/yolox_nano_coco_416.onnx`;
const OSNET = `${shared}/models/osnet_x0_25_msmt17.onnx`;
/** A person's box on the clip as YOLOX finds it (second 10). */
const PERSON: readonly [number, number, number, number] = [380, 16, 516, 405];

function machine(): Record<string, number> {
  return { load_average_1m: round(loadavg()[0] ?? Number.NaN, 2), cpus: availableParallelism() };
}

/** Median ms of `fn` over `runs` timed calls after `warmup` untimed ones. */
async function medianMs(runs: number, warmup: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return round(percentile(times.sort((a, b) => a - b), 50), 3);
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

/** Through the frame source, and ffmpeg alone writing the same frames to /dev/null, for scale. */
async function decode(source: FfmpegFrameSource): Promise<void> {
  const ffmpeg = await run(locateFfmpeg);
  for (const options of [{}, { width: 416 }, { fps: 5, width: 416 }]) {
    let started = performance.now();
    const count = await run(Stream.runCount(source.frames(CLIP, options)));
    const streamSeconds = (performance.now() - started) / 1000;
    const args = ffmpegArguments(CLIP, options, "fail").slice(0, -1).concat("-y", "/dev/null");
    started = performance.now();
    execFileSync(ffmpeg, args, { stdio: "ignore" });
    const aloneSeconds = (performance.now() - started) / 1000;
    emit("vision.decode", { options, frames: count, frames_per_s: round(count / streamSeconds, 1), ffmpeg_alone_frames_per_s: round(count / aloneSeconds, 1), ...machine() });
  }
}

async function preprocess(frame: Frame, scaled: Frame): Promise<void> {
  const input = new Float32Array(3 * 416 * 416);
  const letterboxMs = await medianMs(200, 20, () => letterboxBgrPlanar(frame.data, frame.width, frame.height, 416, input));
  const prescaledMs = await medianMs(200, 20, () => letterboxBgrPlanar(scaled.data, scaled.width, scaled.height, 416, input));
  const crop = new Float32Array(3 * 256 * 128);
  const cropMs = await medianMs(500, 50, () => cropToPlanarRgb(frame.data, frame.width, frame.height, PERSON, 128, 256, crop, 0));
  emit("vision.preprocess", {
    letterbox_768x432_to_416_ms: letterboxMs, letterbox_prescaled_416x234_ms: prescaledMs, crop_136x389_to_128x256_ms: cropMs, ...machine(),
  });
}

/**
 * The session alone on this thread, the same session on the adapter's worker thread (both on
 * pre-letterboxed tensors), and the adapter (letterbox, worker session, decode, NMS) on the same
 * 8 frames, alternated so that all see the same load. adapter / worker is the pre- and
 * post-processing that does not hide behind inference; worker / session is the thread hop.
 */
async function yolox(frames: readonly Frame[], threads: number): Promise<void> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(YOLOX, { intraOpNumThreads: threads });
  const batch = frames.slice(0, 8);
  const tensors = batch.map((frame) => {
    const input = new Float32Array(3 * 416 * 416);
    letterboxBgrPlanar(frame.data, frame.width, frame.height, 416, input);
    return new ort.Tensor("float32", input, [1, 3, 416, 416]);
  });
  const detection = await run(new YoloxDetector({ model: YOLOX, threads }).open);
  const worker = new OnnxWorkerSession();
  await worker.load(YOLOX, threads);
  let moving: Float32Array = new Float32Array(3 * 416 * 416);
  moving.set(tensors[0]!.data as Float32Array);
  const workerOnly = async () => {
    for (let k = 0; k < tensors.length; k++) moving = (await worker.run("images", "output", moving, [1, 3, 416, 416])).input;
  };
  const cameraFrames = batch.map((frame) => ({ camera: "clip", frame }));
  const sessionOnly = async () => {
    for (const tensor of tensors) await session.run({ images: tensor });
  };
  const adapter = () => run(detection.detect(cameraFrames));
  const single = () => run(detection.detect(cameraFrames.slice(0, 1)));
  const sessionTimes: number[] = [], workerTimes: number[] = [], adapterTimes: number[] = [], singleTimes: number[] = [], ratios: number[] = [];
  for (let i = 0; i < 22; i++) {
    const s = await medianMs(1, i === 0 ? 1 : 0, sessionOnly);
    const w = await medianMs(1, i === 0 ? 1 : 0, workerOnly);
    const a = await medianMs(1, i === 0 ? 1 : 0, adapter);
    const one = await medianMs(1, 0, single);
    if (i < 2) continue;
    sessionTimes.push(s / batch.length);
    workerTimes.push(w / batch.length);
    adapterTimes.push(a / batch.length);
    singleTimes.push(one);
    ratios.push(a / w);
  }
  await session.release();
  await worker.terminate();
  const median = (values: number[]) => round(percentile(values.sort((a, b) => a - b), 50), 3);
  // Minima are the least disturbed by the other work on a shared machine.
  const min = (values: number[]) => round(Math.min(...values), 3);
  emit("vision.yolox", {
    threads, session_ms_per_frame: median(sessionTimes), worker_session_ms_per_frame: median(workerTimes),
    detect_ms_per_frame_batch8: median(adapterTimes), detect_ms_single_frame_call: median(singleTimes), detect_over_worker_session: median(ratios),
    session_ms_per_frame_min: min(sessionTimes), worker_session_ms_per_frame_min: min(workerTimes), detect_ms_per_frame_batch8_min: min(adapterTimes),
    detect_over_worker_session_of_minima: round(Math.min(...adapterTimes) / Math.min(...workerTimes), 3),
    detect_over_session_of_minima: round(Math.min(...adapterTimes) / Math.min(...sessionTimes), 3), ...machine(),
  });
}

/** The embedder, and for scale the onnxruntime session alone on the same crops, already cut and normalised. */
async function osnet(frame: Frame, threads: number): Promise<void> {
  const embedder = new OsnetEmbedder({ model: OSNET, threads });
  await run(embedder.ready);
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(OSNET, { intraOpNumThreads: threads });
  const result: Record<string, number> = {};
  const crop = 3 * 256 * 128;
  for (const batch of [1, 8, 32]) {
    const crops: PersonCrop[] = Array.from({ length: batch }, (_, i) => ({ frame, box: [PERSON[0] - i, PERSON[1], PERSON[2] - i, PERSON[3]] }));
    const input = new Float32Array(batch * crop);
    crops.forEach(({ box }, i) => cropToPlanarRgb(frame.data, frame.width, frame.height, box, 128, 256, input, i * crop));
    const tensor = new ort.Tensor("float32", input, [batch, 3, 256, 128]);
    const runs = batch === 32 ? 5 : 15;
    result[`batch${batch}_ms_per_crop`] = round((await medianMs(runs, 2, () => run(embedder.embed(crops)))) / batch, 3);
    result[`session_alone_batch${batch}_ms_per_crop`] = round((await medianMs(runs, 2, () => session.run({ images: tensor }))) / batch, 3);
  }
  await session.release();
  emit("vision.osnet", { threads, ...result, ...machine() });
}

async function weightFree(frames: readonly Frame[]): Promise<void> {
  const detection = await run(new MotionPersonDetector().open);
  let k = 0;
  const motionMs = await medianMs(200, 20, () => run(detection.detect([{ camera: "clip", frame: frames[k++ % frames.length]! }])));
  const embedder = new HistogramEmbedder();
  const crops: PersonCrop[] = Array.from({ length: 32 }, (_, i) => ({ frame: frames[0]!, box: [PERSON[0] - i, PERSON[1], PERSON[2] - i, PERSON[3]] }));
  const histogramMs = (await medianMs(50, 5, () => run(embedder.embed(crops)))) / crops.length;
  emit("vision.weight-free", { motion_ms_per_frame_768x432: motionMs, histogram_ms_per_crop: round(histogramMs, 4), ...machine() });
}

export async function main(args: string[]): Promise<void> {
  const missing = [CLIP, YOLOX, OSNET].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    emit("vision", { skipped: `absent: ${missing.join(", ")}` });
    return;
  }
  const threads = Number(args.find((a) => /^\d+$/.test(a)) ?? 1);
  const only = args.filter((a) => !/^\d+$/.test(a));
  const wanted = (section: string) => only.length === 0 || only.includes(section);
  const source = new FfmpegFrameSource();
  if (wanted("decode")) await decode(source);
  // Seconds 8–40 at 2 fps: a person in most frames, as in a tracking task.
  const frames = await run(source.frames(CLIP, { fps: 2 }).pipe(Stream.drop(16), Stream.take(64), Stream.runCollect));
  if (wanted("preprocess")) {
    const scaled = await run(source.frames(CLIP, { fps: 2, width: 416 }).pipe(Stream.drop(20), Stream.take(1), Stream.runCollect));
    await preprocess(frames[4]!, scaled[0]!);
  }
  if (wanted("yolox")) await yolox(frames, threads);
  if (wanted("osnet")) await osnet(frames[4]!, threads);
  if (wanted("weight-free")) await weightFree(frames);
}
