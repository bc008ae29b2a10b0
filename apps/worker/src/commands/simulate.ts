/**
 * `parallax simulate --cameras 4 --people 20 --frames 600 --seed 1 --out DIR`: writes a seeded
 * multi-camera scene as DIR/<camera>/gt/gt.txt and DIR/<camera>/det/det.txt (MOTChallenge),
 * DIR/<camera>/det/embeddings.f32 (little-endian float32, one row per detection) and
 * DIR/calibration.json (per camera intrinsics, pose and image→map homography).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exportScene, simulateScene, writeMot } from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";

const usage = "usage: parallax simulate --out DIR [--cameras 4] [--people 20] [--frames 600] [--seed 1] [--fps 10]\n";

export async function run(argv: string[]): Promise<number> {
  const options = {
    out: { type: "string" },
    cameras: { type: "string", default: "4" },
    people: { type: "string", default: "20" },
    frames: { type: "string", default: "600" },
    seed: { type: "string", default: "1" },
    fps: { type: "string", default: "10" },
  } as const;
  const parsed = parseCommandArgs(argv, options, usage);
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const numbers = { cameras: Number(values.cameras), people: Number(values.people), frames: Number(values.frames), seed: Number(values.seed), fps: Number(values.fps) };
  const invalid = Object.entries(numbers).find(([name, v]) => !Number.isInteger(v) || v < (name === "seed" ? 0 : 1) || (name === "cameras" && v > 16));
  if (!values.out || invalid) {
    process.stderr.write(`${invalid ? `--${invalid[0]} must be a positive integer${invalid[0] === "cameras" ? " ≤ 16" : ""}` : "--out is required"}\n${usage}`);
    return 2;
  }
  try {
    const scene = simulateScene(numbers);
    const cameras = exportScene(scene);
    for (const camera of cameras) {
      await mkdir(join(values.out, camera.id, "gt"), { recursive: true });
      await mkdir(join(values.out, camera.id, "det"), { recursive: true });
      await writeFile(join(values.out, camera.id, "gt", "gt.txt"), writeMot(camera.groundTruth));
      await writeFile(join(values.out, camera.id, "det", "det.txt"), writeMot(camera.detections));
      await writeFile(join(values.out, camera.id, "det", "embeddings.f32"), Buffer.from(camera.embeddings.buffer, camera.embeddings.byteOffset, camera.embeddings.byteLength));
    }
    const calibration = {
      config: scene.config,
      embeddingDim: scene.config.appearance.dim,
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
