/**
 * `npm run bench -- pipeline-stages [runs]`: the demo's per-frame stages without I/O, on its frames
 * decoded once into memory: the motion detector (one per camera, every frame in order), the
 * histograms of the crops the task would embed, and SceneTracking (trackers, identities, payloads)
 * and its JSON serialisation. Prints ms per camera-frame per stage (median of `runs`, default 5)
 * and a digest of the detections and of the payloads, so an optimisation that must not change
 * results can be checked against the digests printed before it.
 */
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Stream } from "effect";
import { FfmpegFrameSource, FileHomographySource, FileVideoCatalog, HistogramEmbedder } from "@parallax/adapters/tracking";
import { SceneTracking, type Frame } from "@parallax/application/tracking";
import { MotionDetector, type FrameDetections, type Homography } from "@parallax/domain/tracking";
import { emit, round } from "./support.js";

export async function main(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 5);
  const catalog = new FileVideoCatalog({ dataDir: mkdtempSync(join(tmpdir(), "parallax-bench-stages-")) });
  const environment = await Effect.runPromise(catalog.environment("demo"));
  const source = new FfmpegFrameSource();
  const cameras = environment.cameras.map((c) => c.id);
  const homographies = new Map<string, Homography>();
  for (const camera of environment.cameras) homographies.set(camera.id, (await Effect.runPromise(new FileHomographySource().load(camera.homography!))).imageToMap);
  // batches[b][i][c]: sub-video b, frame index i, camera c.
  const batches: Frame[][][] = [];
  for (let b = 0; b < environment.cameras[0]!.videos.length; b++) {
    const perCamera = await Promise.all(environment.cameras.map((c) => Effect.runPromise(Stream.runCollect(source.frames(c.videos[b]!)))));
    const length = Math.min(...perCamera.map((f) => f.length));
    batches.push(Array.from({ length }, (_, i) => perCamera.map((f) => f[i]!)));
  }
  const cameraFrames = batches.reduce((n, b) => n + b.length, 0) * cameras.length;
  const embedder = new HistogramEmbedder();

  const times = { detect: [] as number[], track_embed_identify: [] as number[], embed: [] as number[], serialise: [] as number[] };
  let detectionDigest = "", payloadDigest = "", crops = 0;
  for (let r = 0; r < runs; r++) {
    const detectors = cameras.map(() => new MotionDetector());
    const detections: FrameDetections[][][] = [];
    let started = performance.now();
    for (const batch of batches) detections.push(batch.map((frames) => frames.map((frame, c) => detectors[c]!.detect(frame.data, frame.width, frame.height))));
    times.detect.push(performance.now() - started);
    const hash = createHash("sha256");
    for (const batch of detections) for (const index of batch) for (const d of index) hash.update(new Uint8Array(d.boxes.buffer)).update(new Uint8Array(d.scores.buffer));
    detectionDigest = hash.digest("hex").slice(0, 16);

    const scene = new SceneTracking({ cameras, homographies, fps: 10, embedEveryFrames: 10 });
    const payloads: string[] = [];
    let embedMs = 0, serialiseMs = 0, global = 0;
    crops = 0;
    started = performance.now();
    batches.forEach((batch, b) => {
      scene.startBatch();
      batch.forEach((frames, i) => {
        const tracked = scene.track(global, frames, detections[b]![i]!);
        const embedStarted = performance.now();
        const embeddings = tracked.crops.length > 0 ? Effect.runSync(embedder.embed(tracked.crops)) : undefined;
        embedMs += performance.now() - embedStarted;
        crops += tracked.crops.length;
        const cameras = tracked.identify(embeddings);
        const serialiseStarted = performance.now();
        payloads.push(JSON.stringify({ frame_index: frames[0]!.index, global_frame_index: global, cameras }));
        serialiseMs += performance.now() - serialiseStarted;
        global++;
      });
    });
    times.track_embed_identify.push(performance.now() - started - serialiseMs);
    times.embed.push(embedMs);
    times.serialise.push(serialiseMs);
    payloadDigest = createHash("sha256").update(payloads.join("\n")).digest("hex").slice(0, 16);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const perFrame = (values: number[]) => round(median(values) / cameraFrames, 4);
  emit("pipeline-stages demo", {
    camera_frames: cameraFrames,
    runs,
    ms_per_camera_frame_median: {
      detect: perFrame(times.detect),
      track_embed_identify: perFrame(times.track_embed_identify),
      of_which_embed: perFrame(times.embed),
      serialise: perFrame(times.serialise),
    },
    detect_ms_per_camera_frame_all_runs: times.detect.map((t) => round(t / cameraFrames, 4)),
    crops_embedded: crops,
    detection_digest: detectionDigest,
    payload_digest: payloadDigest,
    load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
    cpus: availableParallelism(),
  });
}
