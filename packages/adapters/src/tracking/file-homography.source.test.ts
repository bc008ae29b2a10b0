import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { HomographyRejected } from "@parallax/application/tracking";
import { projectPoint } from "@parallax/domain/tracking";
import { FileHomographySource } from "./file-homography.source.js";
import { readNpz } from "./npz.js";
import { tempDir } from "./vision.testkit.js";

/** Image pixels of floor marks and where they are on the map (metres), from a known matrix. */
const truth = [0.02, 0.001, -3, 0.0005, 0.03, -2, 0.00001, 0.0004, 1];
const image = [[100, 400], [600, 420], [650, 700], [80, 690], [350, 550], [300, 450]];
const map = image.map(([x, y]) => projectPoint(truth, x!, y!));
const collinear = [[0, 0], [10, 10], [20, 20], [30, 30]];

const dir = tempDir("homography");
const source = new FileHomographySource();
const load = (file: string) => Effect.runPromiseExit(source.load(file));
async function refusal(file: string): Promise<string> {
  const exit = await load(file);
  if (Exit.isSuccess(exit)) throw new Error(`${file} was accepted`);
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
  expect(error).toBeInstanceOf(HomographyRejected);
  return (error as HomographyRejected).message;
}
function expectCalibration(h: ArrayLike<number>): void {
  image.forEach(([x, y], k) => {
    const [u, v] = projectPoint(h, x!, y!);
    expect(Math.hypot(u - map[k]![0], v - map[k]![1])).toBeLessThan(1e-6);
  });
}
function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

let numpy = false;
try {
  execFileSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
  numpy = true;
} catch {
  process.stdout.write("skipped: the .npz tests need python3 with numpy to write their files\n");
}

/** Writes `name` with numpy: `arrays` maps array names to Python expressions (np is numpy). */
function savez(name: string, arrays: Record<string, string>, compressed = false): string {
  const file = join(dir, name);
  const args = Object.entries(arrays).map(([k, v]) => `${k}=${v}`).join(", ");
  execFileSync("python3", ["-c", `import numpy as np; np.${compressed ? "savez_compressed" : "savez"}(${JSON.stringify(file)}, ${args})`]);
  return file;
}
const py = (points: number[][], dtype = "float64") => `np.array(${JSON.stringify(points)}, dtype=${JSON.stringify(dtype)})`;

describe.skipIf(!numpy)("FileHomographySource on .npz files written by numpy", () => {
  it("fits image_points → map_points from stored and compressed archives, any float or int dtype and memory order", async () => {
    const files = [
      savez("stored.npz", { image_points: py(image), map_points: py(map) }),
      savez("compressed.npz", { image_points: py(image, "int32"), map_points: py(map, "float32"), extra: "np.arange(5)" }, true),
      savez("fortran.npz", { image_points: `np.asfortranarray(${py(image, ">f8")})`, map_points: `np.asfortranarray(${py(map)})` }),
    ];
    for (const file of files) {
      const exit = await load(file);
      if (!Exit.isSuccess(exit)) throw new Error(`${file}: ${String(exit.cause)}`);
      const { imageToMap, pointCount, inlierCount, rmsError } = exit.value;
      expect([pointCount, inlierCount]).toEqual([6, 6]);
      // float32 map points cost precision: check the fit to what was stored.
      if (file.endsWith("compressed.npz")) expect(rmsError).toBeLessThan(1e-4);
      else expectCalibration(imageToMap);
    }
  });

  it("refuses degenerate, identity-by-mistake and misshapen arrays with a reason", async () => {
    expect(await refusal(savez("three.npz", { image_points: py(image.slice(0, 3)), map_points: py(map.slice(0, 3)) }))).toContain("at least 4 point pairs, got 3");
    expect(await refusal(savez("identity.npz", { image_points: py(image), map_points: py(image) }))).toContain("identity homography by mistake");
    expect(await refusal(savez("collinear.npz", { image_points: py(collinear), map_points: py(map.slice(0, 4)) }))).toContain("image_points are collinear");
    expect(await refusal(savez("wide.npz", { image_points: "np.zeros((4, 3))", map_points: py(map.slice(0, 4)) }))).toContain("shape (4, 3), expected (N, 2)");
    expect(await refusal(savez("other.npz", { H: "np.eye(3)" }))).toContain("no image_points array (it has H)");
  });

  it("refuses a damaged archive instead of reading wrong numbers", async () => {
    const file = savez("damaged.npz", { image_points: py(image), map_points: py(map) });
    const bytes = readFileSync(file);
    const payload = bytes.indexOf(Buffer.from("NUMPY")) + 200;
    bytes[payload] = bytes[payload]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(await refusal(file)).toContain("fails its CRC check");
    expect(() => readNpz(new Uint8Array(40))).toThrow("no end of central directory");
  });
});

describe("FileHomographySource on JSON files", () => {
  it("fits point pairs and takes a ready matrix, nested or flat", async () => {
    for (const file of [
      writeJson("points.json", { image_points: image, map_points: map, units: "m" }),
      writeJson("nested.json", { matrix: [truth.slice(0, 3), truth.slice(3, 6), truth.slice(6)] }),
      writeJson("flat.json", { matrix: truth }),
    ]) {
      const exit = await load(file);
      if (!Exit.isSuccess(exit)) throw new Error(`${file}: ${String(exit.cause)}`);
      expectCalibration(exit.value.imageToMap);
    }
  });

  it("refuses identity, singular, collinear and malformed input with a reason", async () => {
    expect(await refusal(writeJson("same.json", { image_points: image, map_points: image }))).toContain("identity homography by mistake");
    expect(await refusal(writeJson("eye.json", { matrix: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }))).toContain("the matrix is the identity");
    expect(await refusal(writeJson("flat-line.json", { matrix: [1, 2, 3, 2, 4, 6, 0, 0, 1] }))).toContain("singular");
    expect(await refusal(writeJson("line.json", { image_points: image.slice(0, 4), map_points: collinear }))).toContain("map_points are collinear");
    expect(await refusal(writeJson("shape.json", { matrix: [[1, 0], [0, 1]] }))).toMatch(/exactly 3 items[\s\S]*at matrix/);
    expect(await refusal(writeJson("empty.json", {}))).toContain("expected {\"matrix\": 3×3}");
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    expect(await refusal(broken)).toContain("not valid JSON");
    expect(await refusal(writeJson("calibration.yaml", {}))).toContain("unsupported homography file type");
  });

  it("answers NotFound for a missing file", async () => {
    const exit = await load(join(dir, "absent.npz"));
    expect(Exit.isFailure(exit) && exit.cause.reasons.find((r) => r._tag === "Fail")?.error).toMatchObject({ _tag: "NotFound" });
  });
});
