import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Effect, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { iou, paintBackground, paintFigure, type FigureColours } from "@parallax/domain/tracking";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { CLIP, ffmpeg, missing, shared, tempDir } from "./vision.testkit.js";

/**
 * The weight-free adapters through their ports, on a video made here: two figures walk across a
 * static textured room, encoded to H.264 by ffmpeg and decoded by the frame source, so the motion
 * detector sees real compression noise, as it will on a rendered demo scene.
 */
const [W, H, FRAMES] = [320, 240, 24];
const red: FigureColours = { shirt: [200, 30, 30], trousers: [30, 40, 160] };
const green: FigureColours = { shirt: [40, 170, 60], trousers: [25, 25, 25] };
const truthAt = (t: number): Array<[number, number, number, number]> =>
  t < 3 ? [] : [[30 + 8 * t, 120, 56 + 8 * t, 190], [280 - 7 * t, 126, 304 - 7 * t, 192]];

function renderVideo(dir: string): string {
  const background = new Uint8Array(3 * W * H);
  paintBackground(background, W, H, 5);
  const raw = new Uint8Array(FRAMES * background.length);
  for (let t = 0; t < FRAMES; t++) {
    const frame = raw.subarray(t * background.length, (t + 1) * background.length);
    frame.set(background);
    const boxes = truthAt(t);
    if (boxes.length > 0) {
      paintFigure(frame, W, H, boxes[0]!, red);
      paintFigure(frame, W, H, boxes[1]!, green);
    }
  }
  const file = join(dir, "walkers.mp4");
  execFileSync(ffmpeg!, ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${W}x${H}`, "-r", "10", "-i", "pipe:0", "-pix_fmt", "yuv420p", "-y", file], { input: raw });
  return file;
}

describe.skipIf(missing({ ffmpeg: true }))("weight-free detector and embedder on an encoded video", () => {
  it("the motion detector finds both walkers, keeping a background per camera of a run; the histograms tell them apart", async () => {
    const video = renderVideo(tempDir("walkers"));
    const frames = await Effect.runPromise(Stream.runCollect(new FfmpegFrameSource().frames(video)));
    expect(frames).toHaveLength(FRAMES);
    const blank = { ...frames[0]!, data: new Uint8Array(frames[0]!.data.length).fill(128) };
    const detector = new MotionPersonDetector();
    const embedder = new HistogramEmbedder();
    const { detections, embeddings } = await Effect.runPromise(
      Effect.gen(function* () {
        const run = yield* detector.open;
        // A second camera that only ever sees a grey wall: sharing its model would wreck the first's.
        const detections = yield* Effect.forEach(frames, (frame) => run.detect([{ camera: "room", frame }, { camera: "wall", frame: blank }]));
        const last = frames[FRAMES - 1]!;
        const boxes = truthAt(FRAMES - 1);
        const embeddings = yield* embedder.embed([
          { frame: frames[6]!, box: truthAt(6)[0]! }, { frame: last, box: boxes[0]! },
          { frame: frames[6]!, box: truthAt(6)[1]! }, { frame: last, box: boxes[1]! },
        ]);
        return { detections, embeddings };
      }),
    );
    for (let t = 0; t < FRAMES; t++) {
      const [room, wall] = detections[t]!;
      expect(wall!.count).toBe(0);
      let truth = truthAt(t);
      // Walkers who touch make one blob: the motion detector cannot split them (README's limits).
      if (truth.length === 2 && truth[0]![2] + 6 >= truth[1]![0] && truth[1]![2] + 6 >= truth[0]![0]) {
        const [a, b] = truth as [[number, number, number, number], [number, number, number, number]];
        truth = [[Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]];
      }
      expect(room!.count, `frame ${t}`).toBe(truth.length);
      for (const box of truth) {
        const best = Math.max(...Array.from({ length: room!.count }, (_, i) => iou(room!.boxes.subarray(4 * i, 4 * i + 4), box)));
        expect(best, `frame ${t}`).toBeGreaterThan(0.75);
      }
    }
    const row = (i: number) => embeddings.values.subarray(i * embeddings.dim, (i + 1) * embeddings.dim);
    const cosine = (i: number, j: number) => row(i).reduce((sum, v, k) => sum + v * row(j)[k]!, 0);
    expect(cosine(0, 1)).toBeGreaterThan(0.85);
    expect(cosine(2, 3)).toBeGreaterThan(0.85);
    expect(cosine(0, 3)).toBeLessThan(0.5);
    expect(cosine(1, 2)).toBeLessThan(0.5);
  });
});

describe.skipIf(missing({ ffmpeg: true, shared: [CLIP] }))("the motion detector on the shared clip (a fixed camera)", () => {
  it("sees nobody in the empty room and finds each person standing at the table where YOLOX does", async () => {
    // 2 fps, the first 45 s: the room is empty for 6 s, then one person stands at the table from
    // about 8 s to 18 s and another from about 24 s to 43 s (YOLOX's boxes, recorded, below).
    const frames = await Effect.runPromise(new FfmpegFrameSource().frames(shared(CLIP), { fps: 2 }).pipe(Stream.take(90), Stream.runCollect));
    const detections = await Effect.runPromise(Effect.flatMap(new MotionPersonDetector().open, (run) => run.detect(frames.map((frame) => ({ camera: "clip", frame })))));
    const standing: Array<[number, number, [number, number, number, number]]> = [[16, 35, [384, 15, 518, 402]], [48, 85, [382, 4, 544, 372]]];
    for (let k = 0; k < 12; k++) expect(detections[k]!.count, `frame ${k}`).toBe(0);
    for (const [from, to, box] of standing) {
      for (let k = from; k <= to; k++) {
        const d = detections[k]!;
        const best = Math.max(0, ...Array.from({ length: d.count }, (_, i) => iou(d.boxes.subarray(4 * i, 4 * i + 4), box)));
        expect(best, `frame ${k}`).toBeGreaterThan(0.75);
      }
    }
  });
});
