import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { motRow, paintBackground, paintFigure, projectPoint, simulateScene, writeMot, type FigureColours, type MotRow } from "@parallax/domain/tracking";
import { openVideoWriter } from "./ffmpeg-video.writer.js";

/**
 * The built-in `demo` environment: the domain simulator's 4-camera scene rendered to small H.264
 * files, so a fresh machine can run a tracking task with no download. Figures are painted solid
 * and distinct in colour so the weight-free motion detector and histogram embedder see them; the
 * views overlap, so people are handed between cameras. Beside the videos: each camera's
 * calibration as JSON point pairs (the format users write) and its ground truth in MOTChallenge
 * rows numbered over the whole environment (sub-video 2's first frame follows sub-video 1's last).
 */
export const DEMO_ENVIRONMENT_ID = "demo";
export const DEMO = {
  cameras: 4,
  people: 3,
  subVideos: 2,
  framesPerSubVideo: 60,
  fps: 10,
  width: 320,
  height: 180,
  seed: 3,
} as const;

const EMPTY_FRAMES = 3;

const PALETTE: readonly FigureColours[] = [
  { shirt: [200, 30, 30], trousers: [30, 40, 160] },
  { shirt: [40, 170, 60], trousers: [25, 25, 25] },
  { shirt: [240, 220, 40], trousers: [90, 20, 110] },
  { shirt: [30, 150, 220], trousers: [200, 200, 200] },
  { shirt: [250, 130, 20], trousers: [20, 90, 40] },
  { shirt: [230, 230, 240], trousers: [120, 60, 20] },
];

export function demoScene() {
  return simulateScene({
    seed: DEMO.seed,
    cameras: DEMO.cameras,
    people: DEMO.people,
    frames: DEMO.subVideos * DEMO.framesPerSubVideo,
    fps: DEMO.fps,
    floor: [10, 7],
    image: { width: DEMO.width, height: DEMO.height, focal: 170 },
    cameraHeight: 3,
    speed: [1.2, 0.2],
  });
}

/**
 * Renders the demo into `dir` and writes `dir/environments.json` last, so its presence means
 * the rest is complete; rendering happens in a sibling directory renamed into place, so a process
 * stopped half-way leaves nothing that looks finished.
 */
export function renderDemoEnvironment(dir: string): Effect.Effect<void, Error> {
  const staging = `${dir}.rendering-${process.pid}-${Date.now()}`;
  const scene = demoScene();
  const { width, height } = DEMO;
  const render = Effect.gen(function* () {
    yield* io(() => mkdir(join(staging, "homography"), { recursive: true }));
    yield* io(() => mkdir(join(staging, "groundtruth"), { recursive: true }));
    for (const [c, camera] of scene.cameras.entries()) {
      yield* io(() => mkdir(join(staging, camera.id), { recursive: true }));
      const background = new Uint8Array(3 * width * height);
      paintBackground(background, width, height, 100 + c);
      const truth: MotRow[] = [];
      for (let s = 0; s < DEMO.subVideos; s++) {
        yield* Effect.scoped(
          Effect.gen(function* () {
            const writer = yield* openVideoWriter(join(staging, camera.id, subVideoName(s + 1)), { width, height, fps: DEMO.fps });
            const frame = new Uint8Array(background.length);
            for (let f = s * DEMO.framesPerSubVideo; f < (s + 1) * DEMO.framesPerSubVideo; f++) {
              frame.set(background);
              // The room starts empty: the motion detector's background is the first frame, and anyone
              // standing in it would leave a ghost where they stood for ~100 frames.
              const people = f < EMPTY_FRAMES ? [] : scene.frames[f]![c]!.groundTruth;
              // Nearest last, so it hides those behind it as the ground truth's visibility says.
              for (let k = people.length - 1; k >= 0; k--) paintFigure(frame, width, height, people[k]!.box, PALETTE[people[k]!.personId % PALETTE.length]!);
              for (const g of people) truth.push(motRow(f + 1, g.personId + 1, g.box, 1, [1, Math.round(g.visibility * 1000) / 1000, -1]));
              yield* writer.write(frame);
            }
            yield* writer.finish;
          }),
        );
      }
      yield* io(() => writeFile(join(staging, "groundtruth", `${camera.id}.txt`), writeMot(truth)));
      yield* io(() => writeFile(join(staging, "homography", `${camera.id}.json`), `${JSON.stringify(pointPairs(camera.imageToMap))}\n`));
    }
    const environment = {
      environments: [
        {
          id: DEMO_ENVIRONMENT_ID,
          cameras: scene.cameras.map((camera) => ({ id: camera.id, source: camera.id, pattern: "sub_video_{idx:02d}.mp4", count: DEMO.subVideos, homography: `homography/${camera.id}.json` })),
          map: { units: "m" },
        },
      ],
    };
    yield* io(() => writeFile(join(staging, "environments.json"), `${JSON.stringify(environment, null, 2)}\n`));
    yield* io(() => rm(dir, { recursive: true, force: true }));
    yield* io(() => rename(staging, dir));
  });
  return render.pipe(Effect.onError(() => Effect.promise(() => rm(staging, { recursive: true, force: true }))));
}

export function subVideoName(index: number): string {
  return `sub_video_${String(index).padStart(2, "0")}.mp4`;
}

/** A grid over the image's lower part (the floor) and where the camera's own homography puts it. */
function pointPairs(imageToMap: Float64Array): { image_points: number[][]; map_points: number[][] } {
  const image_points: number[][] = [];
  for (const u of [0.1, 0.5, 0.9]) for (const v of [0.6, 0.8, 0.98]) image_points.push([u * DEMO.width, v * DEMO.height]);
  const map_points = image_points.map(([u, v]) => projectPoint(imageToMap, u!, v!).map((x) => Math.round(x * 1e6) / 1e6));
  return { image_points, map_points };
}

function io<A>(run: () => Promise<A>): Effect.Effect<A, Error> {
  return Effect.tryPromise({ try: run, catch: (error) => (error instanceof Error ? error : new Error(String(error))) });
}
