/**
 * `npm run bench -- pipeline [demo|shared]`: a whole processing task (makeTrackingTasks, real
 * adapters) on the demo environment (motion detector + histograms) and, where ../shared is present,
 * on 4 cameras of a 20 s excerpt of the shared clip with YOLOX-Nano and OSNet (frames scaled to 416
 * wide by ffmpeg). Prints per-stage ms per camera-frame (decode alone; detect and embed as the
 * pipeline called them; store + publish; the rest: tracking, identities and waiting for frames),
 * end-to-end camera-frames/s, and end-to-end ÷ detector-only time on the same frames, batched the
 * same way (one call per frame index with every camera).
 *
 * The machine is shared: every line carries the load average it was measured under.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Exit, Scope, Stream } from "effect";
import { TimeOrderedIdGenerator, SystemClock } from "@parallax/adapters";
import {
  FfmpegFrameSource, FileHomographySource, FileTaskStore, FileVideoCatalog, HistogramEmbedder, InProcessTrackingEvents, MotionPersonDetector, OsnetEmbedder, YoloxDetector, locateFfmpeg,
} from "@parallax/adapters/tracking";
import { makeTrackingTasks, type AppearanceEmbedder, type Frame, type PersonDetector, type TaskStore, type TrackingOptions } from "@parallax/application/tracking";
import { emit, peakRssMiB, round } from "./support.js";

const shared = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared");
const CLIP = `${shared}/data/video/one-by-one-person-detection.mp4`;
const YOLOX = `${shared}/models/yolox_nano_coco_416.onnx`;
const OSNET = `${shared}/models/osnet_x0_25_msmt17.onnx`;

interface Scenario {
  readonly name: string;
  readonly environment: string;
  readonly dataDir: string;
  readonly file?: string;
  readonly detector: PersonDetector;
  readonly embedder: AppearanceEmbedder;
  readonly options: TrackingOptions;
}

export async function main(args: string[]): Promise<void> {
  const wanted = args.length > 0 ? args : ["demo", "shared"];
  const work = mkdtempSync(join(tmpdir(), "parallax-bench-pipeline-"));
  if (wanted.includes("demo")) {
    await run({ name: "demo (motion + histogram)", environment: "demo", dataDir: join(work, "demo"), detector: new MotionPersonDetector(), embedder: new HistogramEmbedder(), options: { embedEveryFrames: 10, statusEveryFrames: 10 } });
  }
  if (wanted.includes("shared")) {
    if (![CLIP, YOLOX, OSNET].every(existsSync)) process.stdout.write(`${JSON.stringify({ benchmark: "pipeline shared", skipped: "../shared clip or models absent" })}\n`);
    else {
      const file = sharedEnvironment(join(work, "shared-env"), await Effect.runPromise(locateFfmpeg));
      await run({
        name: "shared clip ×4 cameras (YOLOX-Nano 416 + OSNet x0.25)", environment: "shared", dataDir: join(work, "shared"), file,
        detector: new YoloxDetector({ model: YOLOX, threads: 1 }), embedder: new OsnetEmbedder({ model: OSNET, threads: 1 }),
        options: { fps: 10, width: 416, embedEveryFrames: 10, statusEveryFrames: 10 },
      });
    }
  }
}

/** 4 cameras on one 20 s excerpt of the clip (stream copy: the same frames, decoded 4 times). */
function sharedEnvironment(dir: string, ffmpeg: string): string {
  const cameras = ["c1", "c2", "c3", "c4"];
  mkdirSync(join(dir, "clip"), { recursive: true });
  execFileSync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-i", CLIP, "-t", "20", "-c", "copy", "-y", join(dir, "clip", "sub_video_01.mp4")]);
  const file = join(dir, "environments.json");
  writeFileSync(file, JSON.stringify({ environments: [{ id: "shared", cameras: cameras.map((id) => ({ id, source: "clip", count: 1 })) }] }));
  return file;
}

async function run(scenario: Scenario): Promise<void> {
  const spent = { detect: 0, embed: 0, store: 0, crops: 0 };
  const timed = <A, E>(key: "detect" | "embed" | "store", effect: Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      const started = performance.now();
      return Effect.ensuring(effect, Effect.sync(() => (spent[key] += performance.now() - started)));
    });
  const detector: PersonDetector = {
    ready: scenario.detector.ready,
    open: Effect.map(scenario.detector.open, (run) => ({ detect: (frames) => timed("detect", run.detect(frames)) })),
  };
  const embedder: AppearanceEmbedder = { ready: scenario.embedder.ready, embed: (crops) => ((spent.crops += crops.length), timed("embed", scenario.embedder.embed(crops))) };
  const files = new FileTaskStore(join(scenario.dataDir, "tracking", "tasks"));
  const store: TaskStore = { put: (r) => files.put(r), get: (id) => files.get(id), list: files.list, results: (id, range) => files.results(id, range), append: (id, u) => timed("store", files.append(id, u)), putFrameSizes: (id, s) => files.putFrameSizes(id, s), frameSizes: (id) => files.frameSizes(id) };
  const catalog = new FileVideoCatalog({ dataDir: scenario.dataDir, ...(scenario.file ? { file: scenario.file } : {}) });
  const frames = new FfmpegFrameSource();
  const environment = await Effect.runPromise(catalog.environment(scenario.environment));
  await Effect.runPromise(Effect.all([detector.ready, embedder.ready]));

  const scope = await Effect.runPromise(Scope.make());
  const tasks = await Effect.runPromise(
    Scope.provide(makeTrackingTasks({ frames, detector, embedder, homographies: new FileHomographySource(), store, events: new InProcessTrackingEvents(), catalog, clock: new SystemClock(), ids: new TimeOrderedIdGenerator() }, scenario.options), scope),
  );
  const { peakMiB, value: { record, ms } } = await peakRssMiB(async () => {
    const started = performance.now();
    const task = await Effect.runPromise(tasks.start(scenario.environment));
    const record = await Effect.runPromise(tasks.awaitTask(task.task_id));
    return { record, ms: performance.now() - started };
  });
  await Effect.runPromise(Scope.close(scope, Exit.void));
  if (record.status !== "COMPLETED") throw new Error(`task ended ${record.status}: ${record.details}`);

  // The same frames again: decode alone (lockstep), then the detector alone on them, batched as the pipeline does.
  const sourceOptions = { ...(scenario.options.fps ? { fps: scenario.options.fps } : {}), ...(scenario.options.width ? { width: scenario.options.width } : {}) };
  const decodeStarted = performance.now();
  const batches: Frame[][][] = [];
  for (let b = 0; b < Math.min(...environment.cameras.map((c) => c.videos.length)); b++) {
    const perCamera = await Promise.all(environment.cameras.map((camera) => Effect.runPromise(Stream.runCollect(frames.frames(camera.videos[b]!, sourceOptions)))));
    const length = Math.min(...perCamera.map((f) => f.length));
    batches.push(Array.from({ length }, (_, i) => perCamera.map((f) => f[i]!)));
  }
  const decodeMs = performance.now() - decodeStarted;
  const detectorOnlyMs = await Effect.runPromise(
    Effect.gen(function* () {
      const run = yield* scenario.detector.open;
      const started = performance.now();
      for (const batch of batches) for (const index of batch) yield* run.detect(index.map((frame, c) => ({ camera: environment.cameras[c]!.id, frame })));
      return performance.now() - started;
    }),
  );
  const cameraFrames = record.processed_frames_count;
  const perFrame = (value: number) => round(value / cameraFrames, 3);
  emit(`pipeline ${scenario.name}`, {
    camera_frames: cameraFrames,
    cameras: environment.cameras.length,
    ms_per_camera_frame: {
      decode_alone: perFrame(decodeMs),
      detect_incl_preprocess: perFrame(spent.detect),
      embed: perFrame(spent.embed),
      store_and_serialise: perFrame(spent.store),
      track_identities_publish_and_frame_wait: perFrame(ms - spent.detect - spent.embed - spent.store),
      end_to_end: perFrame(ms),
    },
    crops_embedded: spent.crops,
    end_to_end_camera_frames_per_s: round((cameraFrames / ms) * 1000, 1),
    detector_only_camera_frames_per_s: round((cameraFrames / detectorOnlyMs) * 1000, 1),
    end_to_end_over_detector_only: round(ms / detectorOnlyMs, 2),
    peak_rss_mib: peakMiB,
    load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
    cpus: availableParallelism(),
  });
}
