import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import { z } from "zod";
import { NotFound, StorageFailure } from "@parallax/domain";
import { SeededRandom, calibrateFromPoints, matrixProblem } from "@parallax/domain/tracking";
import { HomographyRejected, type CameraHomography, type HomographySource } from "@parallax/application/tracking";
import { isMissingFile } from "../shared/errno.js";
import { readNpz } from "./npz.js";

/**
 * Camera calibrations from files: `.npz` with `image_points` and `map_points` (N × 2 each, the old
 * system's format), `.json` with the same two lists of [x, y] pairs, or `.json` with a ready
 * image → map `matrix` (3 × 3 nested or 9 flat, row-major). Point pairs are fitted with the
 * domain's RANSAC (seeded, so a file always gives the same matrix); every input goes through the
 * domain's checks, which refuse degenerate and identity-by-mistake calibrations.
 */
const point = z.tuple([z.number(), z.number()]);
const pointPairs = z.object({ image_points: z.array(point), map_points: z.array(point) });
const readyMatrix = z.object({ matrix: z.union([z.array(z.array(z.number()).length(3)).length(3), z.array(z.number()).length(9)]) });
const homographyJson = z.union([readyMatrix, pointPairs], { error: "expected {\"matrix\": 3×3} or {\"image_points\": [[x, y], …], \"map_points\": [[x, y], …]}" });

type Calibration = { readonly matrix: readonly number[] } | { readonly image: Float64Array; readonly map: Float64Array };

export class FileHomographySource implements HomographySource {
  constructor(private readonly options: { readonly seed?: number } = {}) {}

  load(location: string): Effect.Effect<CameraHomography, HomographyRejected | NotFound | StorageFailure> {
    const rejected = (message: string) => new HomographyRejected({ location, message: `${location}: ${message}` });
    return Effect.tryPromise({
      try: () => readFile(location),
      catch: (error) =>
        isMissingFile(error)
          ? new NotFound({ message: `homography file not found: ${location}` })
          : new StorageFailure({ message: `cannot read homography file ${location}: ${String(error)}`, cause: error }),
    }).pipe(
      Effect.flatMap((bytes) => Effect.try({ try: () => parseCalibration(location, bytes), catch: (error) => rejected(error instanceof Error ? error.message : String(error)) })),
      Effect.flatMap((calibration) => {
        if ("matrix" in calibration) {
          const problem = matrixProblem(calibration.matrix);
          return problem === undefined
            ? Effect.succeed({ imageToMap: Float64Array.from(calibration.matrix), pointCount: 0, inlierCount: 0, rmsError: 0 })
            : Effect.fail(rejected(problem));
        }
        const fit = calibrateFromPoints(calibration.image, calibration.map, new SeededRandom(this.options.seed ?? 0x5eed));
        return Result.isFailure(fit)
          ? Effect.fail(rejected(fit.failure))
          : Effect.succeed({ imageToMap: fit.success.homography, pointCount: calibration.image.length / 2, inlierCount: fit.success.inlierCount, rmsError: fit.success.rmsError });
      }),
    );
  }
}

function parseCalibration(location: string, bytes: Uint8Array): Calibration {
  const extension = extname(location).toLowerCase();
  if (extension === ".npz") return npzPoints(bytes);
  if (extension !== ".json") throw new Error(`unsupported homography file type "${extension}" (expected .npz or .json)`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = homographyJson.safeParse(json);
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  if ("matrix" in parsed.data) return { matrix: parsed.data.matrix.flat() };
  return { image: Float64Array.from(parsed.data.image_points.flat()), map: Float64Array.from(parsed.data.map_points.flat()) };
}

function npzPoints(bytes: Uint8Array): Calibration {
  const arrays = readNpz(bytes);
  const pairs = (name: string): Float64Array => {
    const array = arrays.get(name);
    if (array === undefined) throw new Error(`the .npz has no ${name} array (it has ${[...arrays.keys()].join(", ") || "none"})`);
    if (array.shape.length !== 2 || array.shape[1] !== 2) throw new Error(`${name} has shape (${array.shape.join(", ")}), expected (N, 2)`);
    return array.data;
  };
  return { image: pairs("image_points"), map: pairs("map_points") };
}
