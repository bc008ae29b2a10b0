/**
 * Reads back a scene directory as `parallax simulate` writes it (or as one is written by hand):
 * calibration.json, <camera>/gt/gt.txt, <camera>/det/det.txt, <camera>/det/embeddings.f32 and
 * floor.txt. Every file is checked (zod, MOT parser) and a bad one is named in the error.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as Result from "effect/Result";
import { z } from "zod";
import {
  fitCalibration,
  matrixProblem,
  parseMot,
  type CameraTruth,
  type MotRow,
  type TrackableScene,
  type TrueFloorPosition,
} from "@parallax/domain/tracking";

export class SceneDirectoryError extends Error {}

const point = z.tuple([z.number(), z.number()]);
const cameraCalibration = z
  .object({
    id: z.string().regex(/^[\w.-]+$/, "a camera id names its folder: letters, digits, '_', '-', '.'"),
    imageToMap: z.array(z.number()).length(9).optional(),
    image_points: z.array(point).optional(),
    map_points: z.array(point).optional(),
  })
  .refine((c) => c.imageToMap !== undefined || (c.image_points !== undefined && c.map_points !== undefined), {
    error: "a camera needs imageToMap (row-major 3×3) or image_points and map_points",
  });
const calibrationFile = z.object({
  config: z.object({ fps: z.number().positive() }).optional(),
  embeddingDim: z.number().int().positive().optional(),
  cameras: z.array(cameraCalibration).min(1),
});
const floorLine = z.tuple([z.number().int().min(1), z.number().int(), z.number(), z.number()]);

/** Frame rate assumed when calibration.json gives none (the simulator's default). */
const DEFAULT_FPS = 10;

export interface SceneDirectory {
  readonly scene: TrackableScene;
  readonly truth: readonly CameraTruth[];
  /** Empty when the directory has no floor.txt. */
  readonly floor: readonly TrueFloorPosition[];
  /** Per camera, where its image → floor homography came from. */
  readonly homographyFrom: ReadonlyArray<"point pairs" | "matrix">;
}

export async function readSceneDirectory(dir: string): Promise<SceneDirectory> {
  const calibrationPath = join(dir, "calibration.json");
  const calibration = calibrationFile.safeParse(parseJson(await readFile(calibrationPath, "utf8"), calibrationPath));
  if (!calibration.success) throw new SceneDirectoryError(`${calibrationPath}: ${z.prettifyError(calibration.error)}`);
  const { cameras, embeddingDim } = calibration.data;
  const fps = calibration.data.config?.fps ?? DEFAULT_FPS;

  const perCamera = await Promise.all(cameras.map(async (camera) => {
    const gtPath = join(dir, camera.id, "gt", "gt.txt");
    const detPath = join(dir, camera.id, "det", "det.txt");
    const groundTruth = checkFrames(parseNamed(await readFile(gtPath, "utf8"), gtPath), gtPath);
    const detections = checkFrames(parseNamed(await readFile(detPath, "utf8"), detPath), detPath);
    const embeddings = await readEmbeddings(join(dir, camera.id, "det", "embeddings.f32"), detections.length, embeddingDim);
    return { id: camera.id, groundTruth, detections, embeddings, imageToMap: homographyOf(camera, calibrationPath) };
  }));
  const frameCount = Math.max(0, ...perCamera.flatMap((c) => [...c.groundTruth, ...c.detections].map((r) => r.frame)));
  const dim = embeddingDim ?? 0;
  const detectionsByFrame = perCamera.map((camera) => groupByFrameNumber(camera.detections.map((row, index) => ({ row, index })), (d) => d.row.frame));
  const truthByFrame = perCamera.map((camera) => groupByFrameNumber(camera.groundTruth, (g) => g.frame));
  const frames = Array.from({ length: frameCount }, (_, f) => perCamera.map((camera, c) => {
    const rows = detectionsByFrame[c]!.get(f + 1) ?? [];
    const embeddings = new Float32Array(camera.embeddings ? rows.length * dim : 0);
    if (camera.embeddings) rows.forEach(({ index }, k) => embeddings.set(camera.embeddings!.subarray(index * dim, (index + 1) * dim), k * dim));
    return {
      boxes: Float64Array.from(rows.flatMap(({ row }) => [row.x, row.y, row.x + row.width, row.y + row.height])),
      scores: Float64Array.from(rows, ({ row }) => row.confidence),
      embeddings,
      count: rows.length,
      groundTruth: (truthByFrame[c]!.get(f + 1) ?? []).map((g) => ({ personId: g.id - 1, box: [g.x, g.y, g.x + g.width, g.y + g.height] as [number, number, number, number], visibility: g.extra[1] })),
    };
  }));
  return {
    scene: { config: { fps }, cameras: perCamera.map((c) => ({ id: c.id, imageToMap: c.imageToMap.matrix })), frames },
    truth: perCamera.map((c) => ({ camera: c.id, groundTruth: c.groundTruth, detections: c.detections })),
    floor: await readFloor(join(dir, "floor.txt")),
    homographyFrom: perCamera.map((c) => c.imageToMap.from),
  };
}

function homographyOf(camera: z.infer<typeof cameraCalibration>, file: string): { matrix: Float64Array; from: "point pairs" | "matrix" } {
  if (camera.image_points && camera.map_points) {
    const fit = fitCalibration({ image: Float64Array.from(camera.image_points.flat()), map: Float64Array.from(camera.map_points.flat()) });
    if (Result.isFailure(fit)) throw new SceneDirectoryError(`${file}: camera ${camera.id}: ${fit.failure}`);
    return { matrix: fit.success, from: "point pairs" };
  }
  const problem = matrixProblem(camera.imageToMap!);
  if (problem !== undefined) throw new SceneDirectoryError(`${file}: camera ${camera.id}: imageToMap: ${problem}`);
  return { matrix: Float64Array.from(camera.imageToMap!), from: "matrix" };
}

async function readEmbeddings(path: string, rows: number, dim: number | undefined): Promise<Float32Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (dim === undefined) throw new SceneDirectoryError(`${path}: calibration.json must give embeddingDim to read embeddings`);
  if (bytes.byteLength !== rows * dim * 4) throw new SceneDirectoryError(`${path}: ${bytes.byteLength} bytes, expected ${rows} detections × ${dim} × 4`);
  // Copied so the floats are aligned whatever the Buffer's offset in its pool.
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

async function readFloor(path: string): Promise<TrueFloorPosition[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const rows: TrueFloorPosition[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const parsed = floorLine.safeParse(line.split(",").map((field) => Number(field.trim())));
    if (!parsed.success) throw new SceneDirectoryError(`${path}: line ${index + 1}: expected frame,person,x,y (numbers, frame ≥ 1)`);
    const [frame, person, x, y] = parsed.data;
    rows.push({ frame, person, x, y });
  });
  return rows;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SceneDirectoryError(`${file}: not JSON (${(error as Error).message})`);
  }
}

function parseNamed(text: string, file: string): MotRow[] {
  try {
    return parseMot(text);
  } catch (error) {
    throw new SceneDirectoryError(`${file}: ${(error as Error).message}`);
  }
}

function groupByFrameNumber<T>(items: readonly T[], frameOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(frameOf(item));
    if (group) group.push(item);
    else groups.set(frameOf(item), [item]);
  }
  return groups;
}

function checkFrames(rows: MotRow[], file: string): MotRow[] {
  const bad = rows.find((r) => !Number.isInteger(r.frame) || r.frame < 1);
  if (bad) throw new SceneDirectoryError(`${file}: frame numbers are integers from 1, got ${bad.frame}`);
  return rows;
}
