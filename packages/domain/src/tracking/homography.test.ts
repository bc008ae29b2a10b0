import { describe, expect, it } from "vitest";
import { HomographyError, fitHomographyDlt, fitHomographyRansac, invertHomography, projectPoint, reprojectionErrors, unprojectPoint } from "./homography.js";
import { SeededRandom } from "./random.js";

// A perspective view: image (1920×1080 px) → a second image-like plane.
const truth = Float64Array.from([0.9, -0.12, 35, 0.05, 1.1, -20, 0.00012, -0.00008, 1]);

describe("homography", () => {
  it("recovers an exact homography from 4 and from many clean pairs", () => {
    const random = new SeededRandom(1);
    const src: number[] = [], dst: number[] = [];
    for (let k = 0; k < 12; k++) {
      const x = random.uniform(0, 1920), y = random.uniform(0, 1080);
      src.push(x, y);
      dst.push(...projectPoint(truth, x, y));
    }
    for (const count of [4, 12]) {
      const h = fitHomographyDlt(src.slice(0, 2 * count), dst.slice(0, 2 * count));
      for (let k = 0; k < 9; k++) expect(h[k]).toBeCloseTo(truth[k]!, 6);
    }
  });

  it("recovers a known matrix from 50 noisy pairs with 30% outliers (RANSAC, seeded)", () => {
    const random = new SeededRandom(7);
    const src: number[] = [], dst: number[] = [], outlier: boolean[] = [];
    for (let k = 0; k < 50; k++) {
      const x = random.uniform(0, 1920), y = random.uniform(0, 1080);
      const [u, v] = projectPoint(truth, x, y);
      const isOutlier = k % 10 < 3;
      outlier.push(isOutlier);
      src.push(x, y);
      dst.push(isOutlier ? random.uniform(0, 2000) : u + random.normal(0, 0.5), isOutlier ? random.uniform(0, 1200) : v + random.normal(0, 0.5));
    }
    const fit = fitHomographyRansac(src, dst, random, { threshold: 5 });
    const errors = reprojectionErrors(fit.homography, src, dst);
    for (let k = 0; k < 50; k++) {
      if (outlier[k]) continue;
      expect(fit.inliers[k]).toBe(1);
      expect(errors[k]).toBeLessThan(1.5); // measured against noisy targets
      // Against the true (noise-free) projection the error is well under a pixel.
      const [tu, tv] = projectPoint(truth, src[2 * k]!, src[2 * k + 1]!);
      const [u, v] = projectPoint(fit.homography, src[2 * k]!, src[2 * k + 1]!);
      expect(Math.hypot(u - tu, v - tv)).toBeLessThan(1);
    }
    expect(fit.rmsError).toBeLessThan(1);
    expect(fit.inlierCount).toBeGreaterThanOrEqual(35);
  });

  it("projects and unprojects consistently", () => {
    const [X, Y] = projectPoint(truth, 640, 900);
    const [x, y] = unprojectPoint(truth, X, Y);
    expect(x).toBeCloseTo(640, 6);
    expect(y).toBeCloseTo(900, 6);
    const identity = Array.from(invertHomography(invertHomography(truth)));
    identity.forEach((v, k) => expect(v).toBeCloseTo(truth[k]!, 9));
  });

  it("refuses fewer than 4 pairs", () => {
    expect(() => fitHomographyRansac([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2], new SeededRandom(1))).toThrowError(HomographyError);
  });
});
