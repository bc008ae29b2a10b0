/**
 * `parallax detect --images DIR | --video FILE --out det.txt`: the configured person detector
 * (DETECTOR=motion|onnx) on a sequence, written as MOTChallenge detections
 * (`frame,-1,x,y,w,h,score,-1,-1,-1`). Frames are numbered as MOTChallenge does: `000001.jpg`, or
 * a video's first frame, is frame 1. So detectors can be scored with `parallax mot-eval` and
 * external tools.
 */
import { readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { ConfigError, createContainer, loadConfig } from "@parallax/adapters";
import { FrameSource, PersonDetector } from "@parallax/application/tracking";
import { motRow, writeMot, type MotRow } from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";
import { detectUsage as usage } from "./usages.js";


export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { images: { type: "string" }, video: { type: "string" }, out: { type: "string" } } as const, usage);
  if ("exit" in parsed) return parsed.exit;
  const { images, video, out } = parsed.values;
  if (!out || (images === undefined) === (video === undefined)) {
    process.stderr.write(`${out ? "give one of --images and --video" : "--out is required"}\n${usage}`);
    return 2;
  }
  let input = video;
  if (images !== undefined) {
    // ffmpeg's image2 reader takes a numbered pattern; MOTChallenge names frames 000001.jpg.
    const first = readdirSync(images).filter((name) => /^\d+\.(jpe?g|png)$/i.test(name)).sort()[0];
    if (!first) {
      process.stderr.write(`parallax detect: no numbered images (000001.jpg, …) in ${images}\n`);
      return 2;
    }
    const [digits, extension] = first.split(".") as [string, string];
    input = join(images, `%0${digits.length}d.${extension}`);
  }
  let container;
  try {
    container = createContainer(loadConfig());
  } catch (error) {
    process.stderr.write(`parallax detect: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  const frames = container.get<FrameSource>(FrameSource);
  const detector = container.get<PersonDetector>(PersonDetector);
  const program = Effect.gen(function* () {
    const run = yield* detector.open;
    const rows: MotRow[] = [];
    yield* frames.frames(input!).pipe(
      Stream.grouped(8),
      Stream.runForEach((group) =>
        Effect.map(run.detect(group.map((frame) => ({ camera: "sequence", frame }))), (detections) => {
          group.forEach((frame, k) => {
            const d = detections[k]!;
            for (let i = 0; i < d.count; i++) rows.push(motRow(frame.index + 1, -1, d.boxes.subarray(4 * i, 4 * i + 4), Math.round(d.scores[i]! * 1000) / 1000));
          });
        }),
      ),
    );
    return rows;
  });
  const result = await Effect.runPromiseExit(program);
  if (result._tag === "Failure") {
    process.stderr.write(`parallax detect: ${Cause.pretty(result.cause)}\n`);
    return 1;
  }
  await writeFile(out, writeMot(result.value));
  process.stdout.write(`${JSON.stringify({ out, detections: result.value.length, frames: new Set(result.value.map((r) => r.frame)).size })}\n`);
  return 0;
}
