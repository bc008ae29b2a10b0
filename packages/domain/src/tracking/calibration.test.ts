import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { calibrateFromPoints, matrixProblem, pointPairsProblem } from "./calibration.js";
import { projectPoint } from "./homography.js";
import { SeededRandom } from "./random.js";

const truth = Float64Array.from([0.02, 0.001, -3, 0.0005, 0.03, -2, 0.00001, 0.0004, 1]);
const image = Float64Array.from([100, 400, 600, 420, 650, 700, 80, 690, 350, 550, 300, 450]);
const map = Float64Array.from(Array.from({ length: image.length / 2 }, (_, k) => projectPoint(truth, image[2 * k]!, image[2 * k + 1]!)).flat());

describe("calibrateFromPoints", () => {
  it("fits image → map and reprojects the points", () => {
    const fit = Result.getOrThrow(calibrateFromPoints(image, map, new SeededRandom(1)));
    expect(fit.inlierCount).toBe(6);
    for (let k = 0; k < 6; k++) {
      const [x, y] = projectPoint(fit.homography, image[2 * k]!, image[2 * k + 1]!);
      expect(Math.hypot(x - map[2 * k]!, y - map[2 * k + 1]!)).toBeLessThan(1e-6);
    }
  });

  it.each([
    ["fewer than 4 pairs", image.subarray(0, 6), map.subarray(0, 6), "at least 4 point pairs, got 3"],
    ["unpaired points", image, map.subarray(0, 8), "must pair up"],
    ["map points equal to image points", image, image, "identity homography by mistake"],
    ["collinear image points", Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 5, 5]), map.subarray(0, 10), "image_points are collinear"],
    ["one repeated map point", image.subarray(0, 8), Float64Array.from([1, 2, 1, 2, 1, 2, 1, 2]), "map_points are collinear (or all the same point)"],
    ["non-finite values", Float64Array.from([0, 0, 1, 0, 0, 1, Number.NaN, 1]), map.subarray(0, 8), "point pair 3 is not finite"],
  ])("refuses %s with a reason", (_, src, dst, reason) => {
    expect(pointPairsProblem(src, dst)).toContain(reason);
    const result = calibrateFromPoints(src, dst, new SeededRandom(1));
    expect(Result.isFailure(result) && result.failure).toContain(reason);
  });
});

describe("matrixProblem", () => {
  it("accepts a calibration and refuses the identity, a singular matrix and the wrong size", () => {
    expect(matrixProblem(truth)).toBeUndefined();
    expect(matrixProblem([2, 0, 0, 0, 2, 0, 0, 0, 2])).toContain("identity");
    expect(matrixProblem([1, 2, 3, 2, 4, 6, 0, 0, 1])).toContain("singular");
    expect(matrixProblem([1, 0, 0, 1])).toContain("9 entries");
  });
});
