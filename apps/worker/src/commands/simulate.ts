/**
 * `parallax simulate --cameras 4 --people 20 --frames 600 --seed 1 --out DIR`: writes a seeded
 * multi-camera scene as DIR/<camera>/gt/gt.txt and DIR/<camera>/det/det.txt (MOTChallenge),
 * DIR/<camera>/det/embeddings.f32 (little-endian float32, one row per detection),
 * DIR/floor.txt (`frame,person,x,y`: every person's true floor position per frame, metres) and
 * DIR/calibration.json (per camera intrinsics, pose, image→map homography and the floor-grid
 * point pairs it can be fitted from). The variant flags of the robustness study (issue 9):
 * `--calibration-noise PX` (Gaussian pixel noise on the image points only), `--clock-offset
 * CAMERA:FRAMES` (that camera's rows carry frame + FRAMES; repeatable), `--layout disjoint`
 * (no floor seen by two cameras), `--lookalikes` (people dress more alike).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  LOOKALIKE_APPEARANCE,
  calibrationNoiseRandom,
  exportScene,
  floorGridPairs,
  floorRows,
  simulateScene,
  withClockOffset,
  withPixelNoise,
  writeFloorRows,
  writeMot,
} from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";

const usage =
  "usage: parallax simulate --out DIR [--cameras 4] [--people 20] [--frames 600] [--seed 1] [--fps 10]\n" +
  "                         [--calibration-noise PX] [--clock-offset CAMERA:FRAMES ...] [--layout overlap|disjoint] [--lookalikes]\n";

export async function run(argv: string[]): Promise<number> {
  const options = {
    out: { type: "string" },
    cameras: { type: "string", default: "4" },
    people: { type: "string", default: "20" },
    frames: { type: "string", default: "600" },
    seed: { type: "string", default: "1" },
    fps: { type: "string", default: "10" },
    "calibration-noise": { type: "string", default: "0" },
    "clock-offset": { type: "string", multiple: true },
    layout: { type: "string", default: "overlap" },
    lookalikes: { type: "boolean" },
  } as const;
  const parsed = parseCommandArgs(argv, options, usage);
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const numbers = { cameras: Number(values.cameras), people: Number(values.people), frames: Number(values.frames), seed: Number(values.seed), fps: Number(values.fps) };
  const invalid = Object.entries(numbers).find(([name, v]) => !Number.isInteger(v) || v < (name === "seed" ? 0 : 1) || (name === "cameras" && v > 16));
  const noisePx = Number(values["calibration-noise"]);
  const clockOffsets = (values["clock-offset"] ?? []).map((spec) => /^([^:]+):(-?\d+)$/.exec(spec)).map((m) => (m ? { camera: m[1]!, frames: Number(m[2]) } : undefined));
  const problem = invalid
    ? `--${invalid[0]} must be a positive integer${invalid[0] === "cameras" ? " ≤ 16" : ""}`
    : !values.out ? "--out is required"
    : !(noisePx >= 0) ? "--calibration-noise must be a number of pixels ≥ 0"
    : clockOffsets.includes(undefined) ? "--clock-offset must be CAMERA:FRAMES (e.g. cam2:1)"
    : values.layout !== "overlap" && values.layout !== "disjoint" ? "--layout must be overlap or disjoint"
    : undefined;
  if (problem || !values.out) {
    process.stderr.write(`${problem}\n${usage}`);
    return 2;
  }
  try {
    let scene = simulateScene({
      ...numbers,
      ...(values.layout === "disjoint" ? { layout: "disjoint" as const } : {}),
      ...(values.lookalikes ? { appearance: LOOKALIKE_APPEARANCE } : {}),
    });
    for (const offset of clockOffsets) scene = withClockOffset(scene, offset!.camera, offset!.frames);
    const noise = calibrationNoiseRandom(numbers.seed);
    const pairs = scene.cameras.map((camera, c) => withPixelNoise(floorGridPairs(camera, scene.config, c), noisePx, noise));
    const cameras = exportScene(scene, pairs);
    for (const camera of cameras) {
      await mkdir(join(values.out, camera.id, "gt"), { recursive: true });
      await mkdir(join(values.out, camera.id, "det"), { recursive: true });
      await writeFile(join(values.out, camera.id, "gt", "gt.txt"), writeMot(camera.groundTruth));
      await writeFile(join(values.out, camera.id, "det", "det.txt"), writeMot(camera.detections));
      await writeFile(join(values.out, camera.id, "det", "embeddings.f32"), Buffer.from(camera.embeddings.buffer, camera.embeddings.byteOffset, camera.embeddings.byteLength));
    }
    await writeFile(join(values.out, "floor.txt"), writeFloorRows(floorRows(scene)));
    const calibration = {
      config: scene.config,
      embeddingDim: scene.config.appearance.dim,
      ...(noisePx > 0 ? { calibrationNoisePx: noisePx } : {}),
      ...(clockOffsets.length > 0 ? { clockOffsets } : {}),
      cameras: cameras.map((c) => c.calibration),
    };
    await writeFile(join(values.out, "calibration.json"), `${JSON.stringify(calibration, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ out: values.out, cameras: cameras.map((c) => ({ id: c.id, groundTruth: c.groundTruth.length, detections: c.detections.length })) })}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`parallax simulate: ${(error as Error).message}\n`);
    return 1;
  }
}
