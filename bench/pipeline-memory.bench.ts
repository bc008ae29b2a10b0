/**
 * `npm run bench -- pipeline-memory [minutes]`: memory over one long processing task. The
 * environment is demo-like (the simulator's 4-camera room, 3 painted people walking, 320 × 180 at
 * 10 fps) but `minutes` long (default 10), in sub-videos of one minute, so trackers restart every
 * minute and the identity gallery lives through the whole task; it is rendered once by a child
 * process (so the measuring process holds none of the simulation) and kept in the temp directory.
 * The task runs with the weight-free detector and embedder, a subscriber reading every event, and
 * results stored on disk, faster than real time. Every second: a full GC, then RSS, heap used and
 * array buffers against the minutes of video processed so far. Prints peak RSS and the slope (MiB
 * per minute of video, least squares) of the first and the second half.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Effect, Exit, Scope, Stream } from "effect";
import { TimeOrderedIdGenerator, SystemClock } from "@parallax/adapters";
import {
  FfmpegFrameSource, FileHomographySource, FileTaskStore, FileVideoCatalog, HistogramEmbedder, InProcessTrackingEvents, MotionPersonDetector, openVideoWriter,
} from "@parallax/adapters/tracking";
import { makeTrackingTasks } from "@parallax/application/tracking";
import { motRow, paintBackground, paintFigure, simulateScene, writeMot, type FigureColours, type MotRow } from "@parallax/domain/tracking";
import { emit, round } from "./support.js";

const FPS = 10;
const SUB_VIDEO_SECONDS = 60;
const [WIDTH, HEIGHT] = [320, 180];
const PALETTE: readonly FigureColours[] = [
  { shirt: [200, 30, 30], trousers: [30, 40, 160] },
  { shirt: [40, 170, 60], trousers: [25, 25, 25] },
  { shirt: [240, 220, 40], trousers: [90, 20, 110] },
];

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--render") return render(args[1]!, Number(args[2]));
  const minutes = Number(args[0] ?? 10);
  const envDir = join(tmpdir(), `parallax-bench-memory-env-${minutes}min-v1`);
  if (!existsSync(join(envDir, "environments.json"))) {
    const started = performance.now();
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, "pipeline-memory", "--render", envDir, String(minutes)], { stdio: "inherit" });
    if (child.status !== 0) throw new Error(`rendering the environment failed (${child.status ?? child.signal})`);
    process.stderr.write(`rendered ${minutes} min × 4 cameras in ${round((performance.now() - started) / 1000, 1)} s\n`);
  }
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;

  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-memory-"));
  const events = new InProcessTrackingEvents();
  const catalog = new FileVideoCatalog({ dataDir, file: join(envDir, "environments.json") });
  const scope = await Effect.runPromise(Scope.make());
  const tasks = await Effect.runPromise(
    Scope.provide(
      makeTrackingTasks({
        frames: new FfmpegFrameSource(), detector: new MotionPersonDetector(), embedder: new HistogramEmbedder(), homographies: new FileHomographySource(),
        store: new FileTaskStore(join(dataDir, "tasks")), events, catalog, clock: new SystemClock(), ids: new TimeOrderedIdGenerator(),
      }, { fps: FPS, embedEveryFrames: 10, statusEveryFrames: 10 }),
      scope,
    ),
  );
  const MiB = (bytes: number) => bytes / 1024 / 1024;
  let frames = 0;
  let peakRss = process.memoryUsage.rss();
  const samples: { minute: number; rss: number; heap: number; arrayBuffers: number }[] = [];
  const sample = () => {
    gc();
    const usage = process.memoryUsage();
    samples.push({ minute: frames / FPS / 60, rss: MiB(usage.rss), heap: MiB(usage.heapUsed), arrayBuffers: MiB(usage.arrayBuffers) });
  };
  gc();
  const baseline = process.memoryUsage();
  const peakTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const sampleTimer = setInterval(sample, 1_000);
  const started = performance.now();
  const task = await Effect.runPromise(tasks.start("long"));
  // A subscriber reading every event, as a WebSocket client without pictures would.
  await Effect.runPromise(
    Effect.scoped(Effect.flatMap(tasks.events(task.task_id), (stream) =>
      Stream.runForEach(stream, (event) => Effect.sync(() => { if (event.type === "tracking_update") frames = event.payload.global_frame_index + 1; })))),
  );
  const record = await Effect.runPromise(tasks.awaitTask(task.task_id));
  const ms = performance.now() - started;
  clearInterval(sampleTimer);
  clearInterval(peakTimer);
  sample();
  await Effect.runPromise(Scope.close(scope, Exit.void));
  rmSync(dataDir, { recursive: true, force: true });
  if (record.status !== "COMPLETED") throw new Error(`task ended ${record.status}: ${record.details}`);

  const half = minutes / 2;
  const first = samples.filter((s) => s.minute > 0 && s.minute <= half);
  const second = samples.filter((s) => s.minute > half);
  const slopes = (part: typeof samples) => ({
    rss: round(slope(part, (s) => s.rss), 2),
    heap_used: round(slope(part, (s) => s.heap), 2),
    array_buffers: round(slope(part, (s) => s.arrayBuffers), 2),
  });
  const at = (minute: number) => samples.reduce((best, s) => (Math.abs(s.minute - minute) < Math.abs(best.minute - minute) ? s : best), samples[0]!);
  emit("pipeline-memory long demo-like task (motion + histogram)", {
    video_minutes: minutes,
    cameras: 4,
    camera_frames: record.processed_frames_count,
    end_to_end_camera_frames_per_s: round((record.processed_frames_count / ms) * 1000, 1),
    wall_s: round(ms / 1000, 1),
    peak_rss_mib: round(MiB(peakRss), 1),
    before_task_mib: { rss: round(MiB(baseline.rss), 1), heap_used: round(MiB(baseline.heapUsed), 1) },
    after_gc_mib_by_video_minute: Array.from({ length: minutes + 1 }, (_, m) => {
      const s = at(m);
      return { minute: round(s.minute, 2), rss: round(s.rss, 1), heap_used: round(s.heap, 1), array_buffers: round(s.arrayBuffers, 1) };
    }),
    slope_mib_per_video_minute: { first_half: slopes(first), second_half: slopes(second) },
    samples: samples.length,
    event_channels_after_task: events.channelCount,
    load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
    cpus: availableParallelism(),
  });
}

/** Least-squares slope of value against video minute. */
function slope<T extends { minute: number }>(points: readonly T[], value: (p: T) => number): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.minute, 0) / n;
  const my = points.reduce((a, p) => a + value(p), 0) / n;
  let sxy = 0, sxx = 0;
  for (const p of points) {
    sxy += (p.minute - mx) * (value(p) - my);
    sxx += (p.minute - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

/** The demo's room, people and look, `minutes` long in one-minute sub-videos (run in a child process). */
async function render(dir: string, minutes: number): Promise<void> {
  const staging = `${dir}.rendering-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const framesPerSubVideo = FPS * SUB_VIDEO_SECONDS;
  const scene = simulateScene({
    seed: 3, cameras: 4, people: PALETTE.length, frames: minutes * framesPerSubVideo, fps: FPS, floor: [10, 7],
    image: { width: WIDTH, height: HEIGHT, focal: 170 }, cameraHeight: 3, speed: [1.2, 0.2], appearance: { dim: 1 },
  });
  for (const [c, camera] of scene.cameras.entries()) {
    mkdirSync(join(staging, camera.id), { recursive: true });
    const background = new Uint8Array(3 * WIDTH * HEIGHT);
    paintBackground(background, WIDTH, HEIGHT, 100 + c);
    const truth: MotRow[] = [];
    for (let s = 0; s < minutes; s++) {
      await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const writer = yield* openVideoWriter(join(staging, camera.id, `sub_video_${String(s + 1).padStart(2, "0")}.mp4`), { width: WIDTH, height: HEIGHT, fps: FPS });
        const frame = new Uint8Array(background.length);
        for (let f = s * framesPerSubVideo; f < (s + 1) * framesPerSubVideo; f++) {
          frame.set(background);
          // As in the demo: the room is empty at first, so the detector's first background holds nobody.
          const people = f < 3 ? [] : scene.frames[f]![c]!.groundTruth;
          for (let k = people.length - 1; k >= 0; k--) paintFigure(frame, WIDTH, HEIGHT, people[k]!.box, PALETTE[people[k]!.personId % PALETTE.length]!);
          for (const g of people) truth.push(motRow(f + 1, g.personId + 1, g.box, 1, [1, Math.round(g.visibility * 1000) / 1000, -1]));
          yield* writer.write(frame);
        }
        yield* writer.finish;
      })));
    }
    writeFileSync(join(staging, camera.id, "groundtruth.txt"), writeMot(truth));
    writeFileSync(join(staging, `${camera.id}.homography.json`), `${JSON.stringify({ matrix: Array.from(camera.imageToMap) })}\n`);
  }
  const environment = {
    environments: [{
      id: "long",
      cameras: scene.cameras.map((camera) => ({ id: camera.id, source: camera.id, pattern: "sub_video_{idx:02d}.mp4", count: minutes, homography: `${camera.id}.homography.json` })),
    }],
  };
  writeFileSync(join(staging, "environments.json"), `${JSON.stringify(environment, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}
